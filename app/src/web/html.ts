/** Markup that is already safe: built by `html` or from a constant. Anything else is escaped. */
export class SafeHtml {
  constructor(readonly value: string) {}

  toString(): string {
    return this.value;
  }
}

export type HtmlValue =
  | SafeHtml
  | string
  | number
  | bigint
  | boolean
  | null
  | undefined
  | readonly HtmlValue[];

const entities: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Safe in text and in quoted attribute values, which is everywhere the templates put user text. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => entities[c]!);
}

function render(value: HtmlValue): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false || value === true) return '';
  return escapeHtml(String(value));
}

/**
 * The one way pages are built: every interpolated value is escaped unless it is SafeHtml, so user
 * text can only ever become text. (true and false render nothing, for `${cond && html`...`}`.)
 */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0]!;
  values.forEach((value, i) => {
    out += render(value) + strings[i + 1]!;
  });
  return new SafeHtml(out);
}

/** A path with each dynamic segment percent-encoded, e.g. url`/people/${id}`. */
export function url(strings: TemplateStringsArray, ...values: Array<string | number>): string {
  let out = strings[0]!;
  values.forEach((value, i) => {
    out += encodeURIComponent(String(value)) + strings[i + 1]!;
  });
  return out;
}
