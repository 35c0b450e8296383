import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type TestRedis } from '../../test-support/redis.ts';
import { isSid, newSid, Sessions } from './session.ts';

let server: TestRedis;
let redis: Redis;

beforeAll(async () => {
  server = await startRedis();
  redis = new Redis({ host: '127.0.0.1', port: server.port });
});

afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
});

describe('Sessions', () => {
  it('maps a new session to its user, pushes the expiry back on use, and forgets it on destroy', async () => {
    const sessions = new Sessions(redis, 'secret-secret-secret-secret-1234', 600);
    const sid = await sessions.create({ userId: '42', generation: 3 });
    expect(isSid(sid)).toBe(true);
    const [stored] = await redis.keys('web:session:*');
    expect(stored).not.toContain(sid);
    await redis.expire(stored!, 5);
    expect(await sessions.userOf(sid)).toEqual({ userId: '42', generation: 3 });
    expect(await redis.ttl(stored!)).toBeGreaterThan(500);
    await sessions.destroy(sid);
    expect(await sessions.userOf(sid)).toBeUndefined();
    expect(await sessions.userOf(newSid())).toBeUndefined();
  });

  it('accepts only the CSRF token of the same session and secret', () => {
    const sessions = new Sessions(redis, 'secret-secret-secret-secret-1234', 600);
    const other = new Sessions(redis, 'another-secret-another-secret-12', 600);
    const sid = newSid();
    const token = sessions.csrfToken(sid);
    expect(sessions.checkCsrf(sid, token)).toBe(true);
    expect(sessions.checkCsrf(newSid(), token)).toBe(false);
    expect(other.checkCsrf(sid, token)).toBe(false);
    expect(sessions.checkCsrf(sid, `${token}x`)).toBe(false);
    expect(sessions.checkCsrf(sid, undefined)).toBe(false);
    expect(sessions.checkCsrf(sid, '')).toBe(false);
  });

  it('says Redis is unavailable (a 503) rather than treating the browser as signed out', async () => {
    const down = new Redis({ host: '127.0.0.1', port: 1, lazyConnect: true, enableOfflineQueue: false });
    down.on('error', () => {});
    const sessions = new Sessions(down, 'secret-secret-secret-secret-1234', 600);
    await expect(sessions.userOf(newSid())).rejects.toMatchObject({ status: 503 });
    down.disconnect();
  });

  it('recognises only well-formed session ids', () => {
    expect(isSid(newSid())).toBe(true);
    for (const bad of [undefined, '', 'short', `${newSid()}x`, `${newSid().slice(1)}+`])
      expect(isSid(bad)).toBe(false);
  });
});
