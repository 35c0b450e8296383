import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { AppError, ErrorCodeName } from '../platform/errors.ts';
import { fromFastify } from '../platform/fastify-errors.ts';
// request.web is declared by the pages' context module.
import type {} from './context.ts';
import { html } from './html.ts';
import { layout } from './layout.ts';

const notUnderstood: [title: string, text: string] = [
  'That did not work',
  'The request was not understood. Reload the page and try again.',
];

const texts: Record<ErrorCodeName, [title: string, text: string]> = {
  VALIDATION: ['That did not work', 'The request was not understood. Go back and check what you entered.'],
  UNAUTHORIZED: ['Please sign in', 'Your session has ended. Sign in again to continue.'],
  LOGIN_FAILED: ['Sign-in failed', 'The email, id or password is wrong.'],
  FORBIDDEN: [
    'This form has expired',
    'For your safety the form was not accepted. Reload the page and try again.',
  ],
  NOT_FOUND: ['Not found', 'There is nothing here. It may have been deleted, or the link is wrong.'],
  CONFLICT: ['Already taken', 'That value is already in use.'],
  RATE_LIMITED: ['Slow down', 'Too many attempts in a short time. Wait a minute and try again.'],
  PAYLOAD_TOO_LARGE: ['Too long', 'What you sent is too long. Shorten it and try again.'],
  UNSUPPORTED_MEDIA: ['That did not work', 'The form could not be read. Reload the page and try again.'],
  ROUTE_NOT_FOUND: ['Page not found', 'There is no page at this address.'],
  WRONG_PASSWORD: ['Wrong password', 'The current password you entered is wrong.'],
  REQUEST_TIMEOUT: ['Too slow', 'The request took too long to arrive. Try again.'],
  HEADERS_TOO_LARGE: ['That did not work', 'The request was too large. Try clearing this site’s cookies.'],
  MALFORMED_REQUEST: notUnderstood,
  // The API's Idempotency-Key; the pages do not send one, so these only complete the table.
  IDEMPOTENCY_KEY_INVALID: notUnderstood,
  IDEMPOTENCY_IN_PROGRESS: ['Still working', 'The same request is still running. Try again in a moment.'],
  IDEMPOTENCY_KEY_REUSED: notUnderstood,
  INTERNAL: ['Something went wrong', 'That is our fault. Try again in a moment.'],
  DEPENDENCY_UNAVAILABLE: [
    'Temporarily unavailable',
    'Part of the service is not answering right now. Try again in a moment.',
  ],
  TIMEOUT: ['Temporarily unavailable', 'That took too long on our side. Try again in a moment.'],
  SHUTTING_DOWN: ['Temporarily unavailable', 'The service is restarting. Try again in a moment.'],
};

/** A friendly page for any failure: never JSON, never a stack; the request id lets support find the logs. */
export function sendErrorPage(request: FastifyRequest, reply: FastifyReply, error: FastifyError | Error) {
  const known: AppError | undefined = fromFastify(error as FastifyError);
  if (!known) request.log.error({ err: error }, 'unhandled error');
  else if (known.status >= 500)
    request.log.error({ err: known.cause ?? known, code: known.code }, known.message);
  else request.log.info({ code: known.code, status: known.status }, known.message);
  const kind: ErrorCodeName = known?.kind ?? 'INTERNAL';
  const status = known?.status ?? 500;
  if (status >= 500) reply.header('retry-after', String(known?.retryAfterSeconds ?? 5));
  else if (known?.retryAfterSeconds !== undefined)
    reply.header('retry-after', String(known.retryAfterSeconds));
  return sendError(request, reply, status, kind);
}

export function sendError(request: FastifyRequest, reply: FastifyReply, status: number, kind: ErrorCodeName) {
  const [title, text] = texts[kind];
  const web = request.web;
  const body = html`<section class="card error-page">
    <h1>${title}</h1>
    <p>${text}</p>
    <p><a href="/">Go to the start page</a></p>
    <p class="muted small">Reference: <code>${request.id}</code></p>
  </section>`;
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .send(layout({ title, csrf: web?.csrf ?? '', userId: web?.userId }, body));
}

/** For the app's not-found handler: a browser asking for a page gets HTML, API clients keep JSON. */
export function wantsHtml(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '';
  return request.method === 'GET' && accept.includes('text/html');
}
