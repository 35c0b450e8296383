import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendError, wantsHtml } from '../web/errors.ts';
import { ErrorCode } from './errors.ts';
import { fromFastify } from './fastify-errors.ts';

interface ErrorBody {
  message: string;
  request_id: string;
  code: number;
}

/** The one place errors become HTTP: AppErrors by their kind, anything unexpected as a logged 500. */
export function sendAppError(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) {
  const known = fromFastify(error as FastifyError);
  if (!known) {
    request.log.error({ err: error }, 'unhandled error');
    reply.header('retry-after', '5');
    return send(reply, 500, { message: 'internal error', request_id: request.id, code: ErrorCode.INTERNAL });
  }
  if (known.status >= 500) {
    request.log.error({ err: known.cause ?? known, code: known.code }, known.message);
    reply.header('retry-after', String(known.retryAfterSeconds ?? 5));
  } else {
    request.log.info({ code: known.code, status: known.status }, known.message);
    if (known.retryAfterSeconds !== undefined) reply.header('retry-after', String(known.retryAfterSeconds));
  }
  return send(reply, known.status, { message: known.message, request_id: request.id, code: known.code });
}

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler(sendAppError);

  app.setNotFoundHandler((request, reply) => {
    // A browser asking for a page that does not exist gets the web interface's page; API clients keep JSON.
    if (wantsHtml(request)) return sendError(request, reply, 404, 'ROUTE_NOT_FOUND');
    return send(reply, 404, {
      message: 'no such route',
      request_id: request.id,
      code: ErrorCode.ROUTE_NOT_FOUND,
    });
  });
}

/**
 * For fastify's frameworkErrors option: the router's own refusals (a path that is not valid UTF-8, a
 * parameter too long) go through the same error model instead of fastify's built-in body.
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  reply.header('x-request-id', request.id);
  return sendAppError(error, request, reply);
}

function send(reply: FastifyReply, status: number, body: ErrorBody): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send(body);
}
