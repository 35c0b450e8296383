import type { FastifyInstance } from 'fastify';
import { badRequest } from './errors.ts';

/**
 * One rule for every text field, wherever it comes from (JSON body, form, query string, path): the
 * bytes must be valid UTF-8 and the text valid Unicode, without lone surrogates. Anything else is a 400,
 * never silently turned into U+FFFD: what is cached and what MySQL stores can then never differ.
 */
const invalidUtf8 = () => badRequest('text must be valid UTF-8');
const invalidUnicode = () => badRequest('text must be valid Unicode (no lone surrogates)');

// With the u flag a surrogate pair is one code point, so only a lone surrogate matches.
const loneSurrogate = /[\uD800-\uDFFF]/u;

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Bytes to text, refusing malformed UTF-8. */
export function decodeUtf8(bytes: Buffer): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw invalidUtf8();
  }
}

/** A percent-encoded component (`+` is a space, as in forms and query strings), refusing bad UTF-8. */
export function decodeComponent(component: string): string {
  try {
    return decodeURIComponent(component.replaceAll('+', ' '));
  } catch {
    throw invalidUtf8();
  }
}

/** Throws for any string in the value (keys too) that is not well-formed Unicode. */
export function assertWellFormed(value: unknown): void {
  if (typeof value === 'string') {
    if (loneSurrogate.test(value)) throw invalidUnicode();
  } else if (Array.isArray(value)) {
    for (const item of value) assertWellFormed(item);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      assertWellFormed(key);
      assertWellFormed(item);
    }
  }
}

/** `a=1&b=2` into pairs, each decoded by the rule (the last of repeated names wins). */
export function parseUrlEncoded(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const at = pair.indexOf('=');
    const name = decodeComponent(at === -1 ? pair : pair.slice(0, at));
    out[name] = at === -1 ? '' : decodeComponent(pair.slice(at + 1));
  }
  return out;
}

/**
 * The query string as sent (fastify's parser leaves a bad escape as it is rather than refusing it),
 * decoded whole rather than pair by pair: an escape never spans `&` or `=`, so the whole decodes
 * exactly when every name and value does, and it is one call on every search request instead of a split.
 */
export function checkQueryString(url: string): void {
  const at = url.indexOf('?');
  if (at === -1) return;
  const query = url.slice(at + 1);
  // Plain ASCII without escapes is valid as it is.
  if (!query.includes('%')) return;
  const text = decodeComponent(query);
  if (loneSurrogate.test(text)) throw invalidUnicode();
}

/**
 * Applies the rule to every route: the query string on arrival, bodies once parsed (their parsers
 * decode bytes with decodeUtf8). Path parameters need nothing more: the router refuses a path that is
 * not valid UTF-8 (a 400 through frameworkErrors).
 */
export function installTextRule(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => checkQueryString(request.raw.url ?? ''));
  app.addHook('preValidation', async (request) => assertWellFormed(request.body));
}
