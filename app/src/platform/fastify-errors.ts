import type { FastifyError } from 'fastify';
import { AppError } from './errors.ts';

/** Fastify's own errors by their code: messages of our own, none of which repeats what the client sent. */
const byFastifyCode: Record<string, () => AppError> = {
  FST_ERR_BAD_URL: () => new AppError('MALFORMED_REQUEST', 'malformed URL'),
  FST_ERR_MAX_PARAM_LENGTH: () => new AppError('MALFORMED_REQUEST', 'path parameter too long'),
  FST_ERR_ASYNC_CONSTRAINT: () => new AppError('MALFORMED_REQUEST', 'request not understood'),
  FST_ERR_HANDLER_TIMEOUT: () => new AppError('TIMEOUT', 'the request took too long, retry later'),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () =>
    new AppError('UNSUPPORTED_MEDIA', 'unsupported content type (send application/json)'),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () =>
    new AppError('MALFORMED_REQUEST', 'Content-Length does not match the body'),
  FST_ERR_CTP_BODY_TOO_LARGE: () => new AppError('PAYLOAD_TOO_LARGE', 'request body too large'),
};

/** Fastify's own client errors (validation, bad JSON, size, media type, timeouts) as the app's kinds. */
export function fromFastify(error: FastifyError): AppError | undefined {
  if (error instanceof AppError) return error;
  if (error.validation)
    return new AppError('VALIDATION', `invalid ${error.validationContext ?? 'request'}: ${error.message}`);
  const known = error.code === undefined ? undefined : byFastifyCode[error.code];
  if (known) return known();
  switch (error.statusCode) {
    case 413:
      return new AppError('PAYLOAD_TOO_LARGE', 'request body too large');
    case 415:
      return new AppError('UNSUPPORTED_MEDIA', 'unsupported content type (send application/json)');
    default:
      return error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500
        ? new AppError('VALIDATION', error.message)
        : undefined;
  }
}
