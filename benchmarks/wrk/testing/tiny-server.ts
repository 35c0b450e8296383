import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TinyServerOptions {
  /** Every n-th request answers 503 (0: never). */
  failEvery?: number;
  /** Every n-th request waits `slowMs` before answering (0: never). */
  slowEvery?: number;
  slowMs?: number;
}

export interface TinyServer {
  url: string;
  port: number;
  requests(): number;
  /** The query strings seen, for checks on what the Lua script sent. */
  queries(): string[];
  close(): Promise<void>;
}

/**
 * A stand-in for the app's search endpoint on 127.0.0.1 (a free port): answers GET /user/search with
 * a small JSON array, and on request with 503s and slow answers, so wrk's error and timeout lines
 * can be produced for real.
 */
export async function startTinyServer(options: TinyServerOptions = {}): Promise<TinyServer> {
  let count = 0;
  const seen: string[] = [];
  const server: Server = createServer((request, response) => {
    count += 1;
    const n = count;
    if (seen.length < 10_000) seen.push(request.url ?? '');
    const answer = () => {
      if (options.failEvery && n % options.failEvery === 0) {
        response.writeHead(503, { 'content-type': 'application/json' });
        response.end('{"message":"unavailable"}');
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('[{"id":"1","first_name":"Алексей","second_name":"Семёнов"}]');
    };
    if (options.slowEvery && n % options.slowEvery === 0) setTimeout(answer, options.slowMs ?? 1500);
    else answer();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests: () => count,
    queries: () => [...seen],
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
