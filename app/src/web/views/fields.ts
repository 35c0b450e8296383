import { type HtmlValue, html, type SafeHtml } from '../html.ts';

export interface InputSpec {
  label: string;
  name: string;
  value?: string | undefined;
  type?: 'text' | 'password' | 'email' | 'date' | 'search';
  required?: boolean;
  autocomplete?: string;
  maxlength?: number;
  hint?: string;
}

export function input(spec: InputSpec): SafeHtml {
  const id = `f-${spec.name}`;
  return html`<div class="field">
    <label for="${id}">${spec.label}${spec.required ? '' : html` <span class="muted">(optional)</span>`}</label>
    <input id="${id}" name="${spec.name}" type="${spec.type ?? 'text'}" value="${spec.value ?? ''}"${spec.required ? html` required` : ''}${spec.autocomplete ? html` autocomplete="${spec.autocomplete}"` : ''}${spec.maxlength ? html` maxlength="${spec.maxlength}"` : ''}${spec.hint ? html` aria-describedby="${id}-hint"` : ''}>
    ${spec.hint ? html`<small id="${id}-hint" class="muted">${spec.hint}</small>` : ''}
  </div>`;
}

export function textarea(
  spec: InputSpec & { rows?: number; placeholder?: string; optional?: boolean },
): SafeHtml {
  const id = `f-${spec.name}`;
  return html`<div class="field">
    <label for="${id}">${spec.label}${spec.optional ? html` <span class="muted">(optional)</span>` : ''}</label>
    <textarea id="${id}" name="${spec.name}" rows="${spec.rows ?? 3}"${spec.required ? html` required` : ''}${spec.maxlength ? html` maxlength="${spec.maxlength}"` : ''}${spec.placeholder ? html` placeholder="${spec.placeholder}"` : ''}>${spec.value ?? ''}</textarea>
  </div>`;
}

export function select(spec: InputSpec & { options: Array<[value: string, label: string]> }): SafeHtml {
  const id = `f-${spec.name}`;
  return html`<div class="field">
    <label for="${id}">${spec.label} <span class="muted">(optional)</span></label>
    <select id="${id}" name="${spec.name}">
      ${spec.options.map(([value, label]) => html`<option value="${value}"${value === (spec.value ?? '') ? html` selected` : ''}>${label}</option>`)}
    </select>
  </div>`;
}

export const csrfField = (csrf: string): SafeHtml => html`<input type="hidden" name="_csrf" value="${csrf}">`;

export function formError(message: string | undefined): HtmlValue {
  return message ? html`<p class="form-error" role="alert">${message}</p>` : '';
}

/** A button that POSTs (friend, unfriend, delete): a form, so it works without script and is CSRF-checked. */
export function postButton(action: string, label: string, csrf: string, style = 'secondary'): SafeHtml {
  return html`<form method="post" action="${action}" class="inline">${csrfField(csrf)}<button type="submit" class="${style}">${label}</button></form>`;
}
