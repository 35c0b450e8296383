import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../../lib/poll.ts';
import { startRedis, type TestRedis } from '../../test-support/redis.ts';
import { loadConfig } from './config.ts';
import { ErrorCode } from './errors.ts';
import { createHttpApp } from './http-app.ts';
import { idempotency } from './idempotency.ts';
import { AppMetrics } from './metrics.ts';

let server: TestRedis;
let redis: Redis;
let app: FastifyInstance;
/** How many times each route's handler ran. */
const runs = { write: 0, fail: 0, slow: 0, stuck: 0 };
let finishSlow: () => void = () => {};

const config = loadConfig({
  MYSQL_PASSWORD: 'unused',
  AUTH_TOKEN_SECRET: 'unused-unused-unused-unused-unused',
});

/** The app's HTTP layer with the plugin over three POSTs: one that writes, one that fails, one held open. */
async function appOver(store: Redis): Promise<FastifyInstance> {
  const built = await createHttpApp(config, { logger: false, metrics: new AppMetrics() });
  await built.register(async (writes) => {
    await writes.register(idempotency, { redis: store });
    writes.post('/write', async (request) => ({ run: ++runs.write, body: request.body }));
    writes.post('/fail', async () => {
      runs.fail++;
      throw new Error('boom');
    });
    // Answered 503 by fastify's handler timeout while the handler goes on.
    writes.post('/stuck', { handlerTimeout: 100 }, async () => {
      runs.stuck++;
      await new Promise((resolve) => setTimeout(resolve, 300));
      return { late: true };
    });
    writes.post('/slow', async () => {
      runs.slow++;
      await new Promise<void>((resolve) => {
        finishSlow = resolve;
      });
      return { done: true };
    });
  });
  // Outside the plugin's scope: the key means nothing there.
  built.post('/plain', async () => ({ plain: true }));
  await built.ready();
  return built;
}

const post = (url: string, key: string | undefined, body: unknown = { text: 'hello' }, target = app) =>
  target.inject({
    method: 'POST',
    url,
    payload: body as Record<string, unknown>,
    headers: key === undefined ? {} : { 'idempotency-key': key },
  });

let keys = 0;
const freshKey = () => `test-${process.pid}-${Date.now()}-${++keys}`;

beforeAll(async () => {
  server = await startRedis();
  redis = new Redis({ host: '127.0.0.1', port: server.port });
  app = await appOver(redis);
});

afterAll(async () => {
  await app?.close();
  redis?.disconnect();
  await server?.stop();
});

describe('Idempotency-Key', () => {
  it('runs a request once per key and replays its answer', async () => {
    const key = freshKey();
    const before = runs.write;
    const first = await post('/write', key);
    const again = await post('/write', key);
    expect(first.statusCode).toBe(200);
    expect(again.statusCode).toBe(200);
    expect(again.body).toBe(first.body);
    expect(again.headers['content-type']).toBe(first.headers['content-type']);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(runs.write - before).toBe(1);
    expect(await redis.ttl(`idem:/write:ip:127.0.0.1:${key}`)).toBeGreaterThan(23 * 3600);
  });

  it('runs each request without a key, or with another key', async () => {
    const before = runs.write;
    await post('/write', undefined);
    await post('/write', undefined);
    await post('/write', freshKey());
    await post('/write', freshKey());
    expect(runs.write - before).toBe(4);
  });

  it('refuses the same key with another body: 422', async () => {
    const key = freshKey();
    await post('/write', key, { text: 'one' });
    const other = await post('/write', key, { text: 'two' });
    expect(other.statusCode).toBe(422);
    expect(other.json().code).toBe(ErrorCode.IDEMPOTENCY_KEY_REUSED);
  });

  it('refuses a malformed key: 400 with its own code', async () => {
    for (const key of ['short', 'x'.repeat(129), 'has space in it', 'slash/es/are/out']) {
      const answer = await post('/write', key);
      expect(answer.statusCode, key).toBe(400);
      expect(answer.json().code, key).toBe(ErrorCode.IDEMPOTENCY_KEY_INVALID);
    }
    expect((await post('/plain', 'short')).statusCode).toBe(200);
  });

  it('answers a repeat while the first still runs with 409 and Retry-After, then replays', async () => {
    const key = freshKey();
    const before = runs.slow;
    const first = post('/slow', key);
    // The first has claimed the key once its handler runs.
    await waitFor(async () => (runs.slow > before ? true : undefined), {
      timeoutMs: 5000,
      what: 'the first run',
    });
    const during = await post('/slow', key);
    expect(during.statusCode).toBe(409);
    expect(during.headers['retry-after']).toBe('1');
    expect(during.json().code).toBe(ErrorCode.IDEMPOTENCY_IN_PROGRESS);
    finishSlow();
    expect((await first).statusCode).toBe(200);
    const after = await post('/slow', key);
    expect(after.headers['idempotent-replayed']).toBe('true');
    expect(runs.slow - before).toBe(1);
  });

  it('runs a concurrent pair once', async () => {
    const key = freshKey();
    const before = runs.write;
    const pair = await Promise.all([post('/write', key), post('/write', key)]);
    expect(runs.write - before).toBe(1);
    for (const answer of pair) expect([200, 409]).toContain(answer.statusCode);
  });

  it('does not keep a 5xx: a retry runs again', async () => {
    const key = freshKey();
    const before = runs.fail;
    expect((await post('/fail', key)).statusCode).toBe(500);
    expect((await post('/fail', key)).statusCode).toBe(500);
    expect(runs.fail - before).toBe(2);
    expect(await redis.exists(`idem:/fail:ip:127.0.0.1:${key}`)).toBe(0);
  });

  it('keeps the key after a handler timeout: the write may still land, so a retry must not run it', async () => {
    const key = freshKey();
    const before = runs.stuck;
    expect((await post('/stuck', key)).statusCode).toBe(503);
    const retry = await post('/stuck', key);
    expect(retry.statusCode).toBe(409);
    expect(runs.stuck - before).toBe(1);
  });

  it('refuses with 503 when Redis is away, rather than run without the guarantee', async () => {
    const down = new Redis({ host: '127.0.0.1', port: 1, lazyConnect: true, enableOfflineQueue: false });
    down.on('error', () => {});
    const cut = await appOver(down);
    try {
      const before = runs.write;
      const answer = await post('/write', freshKey(), { text: 'x' }, cut);
      expect(answer.statusCode).toBe(503);
      expect(Number(answer.headers['retry-after'])).toBeGreaterThan(0);
      expect(answer.json().code).toBe(ErrorCode.DEPENDENCY_UNAVAILABLE);
      expect(runs.write).toBe(before);
      // Without a key nothing needs Redis.
      expect((await post('/write', undefined, { text: 'x' }, cut)).statusCode).toBe(200);
    } finally {
      await cut.close();
      down.disconnect();
    }
  });
});
