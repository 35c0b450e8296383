import { Agent, createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { call, newIdempotencyKey } from './http.ts';

let server: Server | undefined;
afterEach(() => new Promise<void>((done) => (server ? server.close(() => done()) : done())));

/** A server that answers the first `answered` requests of each connection, then drops it without an answer. */
async function serverDroppingAfter(answered: number): Promise<{ port: number; seen: string[] }> {
  const seen: string[] = [];
  const perSocket = new WeakMap<object, number>();
  server = createServer((req, res) => {
    const count = (perSocket.get(req.socket) ?? 0) + 1;
    perSocket.set(req.socket, count);
    const key = req.headers['idempotency-key'];
    seen.push(`${req.method} ${req.url} #${count}${key ? ` key=${key}` : ''}`);
    if (count > answered) req.socket.destroy();
    else res.end('ok');
  });
  await new Promise<void>((done) => server!.listen(0, '127.0.0.1', done));
  return { port: (server.address() as AddressInfo).port, seen };
}

describe('call', () => {
  it('sends a GET again on a fresh connection when its kept-alive one is closed unread', async () => {
    const { port, seen } = await serverDroppingAfter(1);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    expect(await call({ port, path: '/a', agent })).toEqual({ status: 200, body: 'ok' });
    const second = await call({ port, path: '/b', agent });
    agent.destroy();
    expect(second).toEqual({ status: 200, body: 'ok', retried: true });
    expect(seen).toEqual(['GET /a #1', 'GET /b #2', 'GET /b #1']);
  });

  it('sends a POST with an Idempotency-Key again, with the same key', async () => {
    const { port, seen } = await serverDroppingAfter(1);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    await call({ port, path: '/a', agent });
    const key = newIdempotencyKey();
    const second = await call({
      port,
      path: '/b',
      method: 'POST',
      body: { x: 1 },
      agent,
      idempotencyKey: key,
    });
    agent.destroy();
    expect(second).toEqual({ status: 200, body: 'ok', retried: true });
    expect(seen).toEqual(['GET /a #1', `POST /b #2 key=${key}`, `POST /b #1 key=${key}`]);
  });

  it('does not send a POST without a key again: the server may have run it', async () => {
    const { port, seen } = await serverDroppingAfter(1);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    await call({ port, path: '/a', agent });
    const second = await call({ port, path: '/b', method: 'POST', body: { x: 1 }, agent });
    agent.destroy();
    expect(second.status).toBe(0);
    expect(second.error).toMatch(/socket hang up|ECONNRESET/);
    expect(second).not.toHaveProperty('retried');
    expect(second).not.toHaveProperty('staleConnection');
    expect(seen).toEqual(['GET /a #1', 'POST /b #2']);
  });

  it('does not send again what failed on a fresh connection: the server may have read it', async () => {
    const { port, seen } = await serverDroppingAfter(0);
    const answer = await call({ port, path: '/c', method: 'POST', body: {} });
    expect(answer.status).toBe(0);
    expect(answer.error).toMatch(/socket hang up|ECONNRESET/);
    expect(answer.retried).toBeUndefined();
    expect(seen).toEqual(['POST /c #1']);
  });
});
