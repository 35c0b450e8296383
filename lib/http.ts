import { type Agent, type IncomingHttpHeaders, request } from 'node:http';

export interface HttpRequest {
  port: number;
  path: string;
  method?: string;
  /** Sent as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
  /** A loopback source address: behind nginx (X-Forwarded-For) each address is a client of its own. */
  from?: string;
  /** Default false: a connection of its own, closed after the answer. */
  agent?: Agent | false;
  /** Default 15 s without a byte, connecting included. */
  timeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * No answer because the reused keep-alive connection the request went out on was closed before any
 * byte of an answer: the server never read the request, so it may be sent again on a fresh one.
 */
export class StaleConnectionError extends Error {
  constructor(cause: Error) {
    super(cause.message, { cause });
    this.name = 'StaleConnectionError';
  }
}

/**
 * One HTTP request to 127.0.0.1, answered in full. Rejects when no answer came (refused, reset, timed
 * out) with the socket's error, or with StaleConnectionError (see there).
 */
export function httpRequest(options: HttpRequest): Promise<HttpResponse> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = request(
      {
        host: '127.0.0.1',
        port: options.port,
        path: options.path,
        method: options.method ?? 'GET',
        localAddress: options.from,
        agent: options.agent ?? false,
        timeout: options.timeoutMs ?? 15_000,
        headers: {
          ...(payload ? { 'content-type': 'application/json' } : {}),
          ...options.headers,
        },
      },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (error: NodeJS.ErrnoException) =>
      reject(
        req.reusedSocket && !answered && error.code === 'ECONNRESET'
          ? new StaleConnectionError(error)
          : error,
      ),
    );
    req.end(payload);
  });
}
