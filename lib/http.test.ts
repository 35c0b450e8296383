import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { httpRequest, StaleConnectionError } from './http.ts';

let server: Server | undefined;
afterEach(() => new Promise<void>((done) => (server ? server.close(() => done()) : done())));

async function serve(listener: RequestListener): Promise<number> {
  server = createServer(listener);
  await new Promise<void>((done) => server!.listen(0, '127.0.0.1', done));
  return (server.address() as AddressInfo).port;
}

describe('httpRequest', () => {
  it('sends the body as JSON with the given headers and answers status, headers and body', async () => {
    const port = await serve((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        res.setHeader('x-seen', `${req.method} ${req.headers['content-type']} ${req.headers['x-id']}`);
        res.statusCode = 201;
        res.end(Buffer.concat(chunks));
      });
    });
    const answer = await httpRequest({
      port,
      path: '/p',
      method: 'POST',
      body: { a: 1 },
      headers: { 'x-id': '7' },
    });
    expect(answer).toMatchObject({ status: 201, body: '{"a":1}' });
    expect(answer.headers['x-seen']).toBe('POST application/json 7');
  });

  it('rejects with the socket error when no server answers, not as a stale connection', async () => {
    const port = await serve(() => {});
    await new Promise<void>((done) => server!.close(() => done()));
    server = undefined;
    const failure = await httpRequest({ port, path: '/' }).catch((error: NodeJS.ErrnoException) => error);
    expect(failure).toMatchObject({ code: 'ECONNREFUSED' });
    expect(failure).not.toBeInstanceOf(StaleConnectionError);
  });

  it('rejects with "timed out" when the answer does not come in time', async () => {
    const port = await serve(() => {});
    await expect(httpRequest({ port, path: '/', timeoutMs: 200 })).rejects.toThrow('timed out');
  });
});
