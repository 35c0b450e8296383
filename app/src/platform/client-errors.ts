import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { ErrorCode, type ErrorCodeName, statusOfKind } from './errors.ts';

/** What Node's HTTP parser refused, as the app's kinds (anything else it refuses is a malformed request). */
function kindOf(code: string | undefined): [ErrorCodeName, string] {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return ['REQUEST_TIMEOUT', 'the request took too long to arrive'];
  if (code === 'HPE_HEADER_OVERFLOW') return ['HEADERS_TOO_LARGE', 'request headers too large'];
  return ['MALFORMED_REQUEST', 'malformed HTTP request'];
}

/**
 * For fastify's clientErrorHandler: errors of Node's HTTP parser and its timeouts never reach a route,
 * so this writes the answer on the socket itself, in the same `{message, request_id, code}` shape as
 * every other error, and closes the connection.
 */
export function clientErrorHandler(
  this: FastifyInstance,
  error: Error & { code?: string },
  socket: Socket,
): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [kind, message] = kindOf(error.code);
  const status = statusOfKind(kind);
  const requestId = randomUUID();
  this.log.info({ reqId: requestId, code: ErrorCode[kind], parser: error.code }, message);
  // Only while nothing of a response went out: a half-written answer cannot be replaced.
  if (socket.writable && socket.bytesWritten === 0) {
    const body = JSON.stringify({ message, request_id: requestId, code: ErrorCode[kind] });
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
        'content-type: application/json; charset=utf-8\r\n' +
        `content-length: ${Buffer.byteLength(body)}\r\n` +
        `x-request-id: ${requestId}\r\n` +
        'connection: close\r\n\r\n' +
        body,
      () => socket.destroy(),
    );
    return;
  }
  socket.destroy();
}
