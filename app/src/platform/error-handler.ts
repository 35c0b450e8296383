import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendError, wantsHtml } from '../web/errors.ts';
import { AppError, ErrorCode } from './errors.ts';

interface ErrorBody {
  message: string;
  request_id: string;
  code: number;
}

/** Fastify's own client errors (validation, bad JSON, size, media type), by their status. */
function fromFastify(error: FastifyError): AppError | undefined {
  if (error.validation)
    return new AppError('VALIDATION', `invalid ${error.validationContext ?? 'request'}: ${error.message}`);
  switch (error.statusCode) {
    case 400:
      return new AppError('VALIDATION', error.message);
    case 413:
      return new AppError('PAYLOAD_TOO_LARGE', 'request body too large');
    case 415:
      return new AppError('UNSUPPORTED_MEDIA', 'unsupported content type (send application/json)');
    case 429:
      return new AppError('RATE_LIMITED', 'too many requests, retry later');
    default:
      return error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500
        ? new AppError('VALIDATION', error.message)
        : undefined;
  }
}

/** The one place errors become HTTP: AppErrors by their kind, anything unexpected as a logged 500. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const known = error instanceof AppError ? error : fromFastify(error);
    if (!known) {
      request.log.error({ err: error }, 'unhandled error');
      return send(reply, 500, {
        message: 'internal error',
        request_id: request.id,
        code: ErrorCode.INTERNAL,
      });
    }
    if (known.status >= 500) {
      request.log.error({ err: known.cause ?? known, code: known.code }, known.message);
      reply.header('retry-after', '5');
    } else {
      request.log.info({ code: known.code, status: known.status }, known.message);
    }
    return send(reply, known.status, { message: known.message, request_id: request.id, code: known.code });
  });

  app.setNotFoundHandler((request, reply) => {
    // A browser asking for a page that does not exist gets the web interface's page; API clients keep JSON.
    if (wantsHtml(request)) return sendError(request, reply, 404, 'ROUTE_NOT_FOUND');
    return send(reply, 404, {
      message: `no route ${request.method} ${request.url.split('?')[0]}`,
      request_id: request.id,
      code: ErrorCode.ROUTE_NOT_FOUND,
    });
  });
}

function send(reply: FastifyReply, status: number, body: ErrorBody): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send(body);
}
