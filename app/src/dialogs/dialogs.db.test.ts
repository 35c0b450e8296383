import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClient, type TestUser } from '../../test-support/client.ts';
import { startTestStack, type TestStack } from '../../test-support/stack.ts';

let stack: TestStack;
let app: FastifyInstance;
let api: TestClient;
let redis: Redis;

beforeAll(async () => {
  stack = await startTestStack();
  app = await stack.app();
  api = new TestClient(app);
  redis = new Redis({ host: '127.0.0.1', port: stack.redis.port });
});

afterAll(async () => {
  redis?.disconnect();
  await stack?.stop();
});

const unread = async (user: TestUser) =>
  (await api.call('GET', '/dialog/unread', { token: user.token })).json<{ total: number }>().total;

/** The truth, from MySQL: messages to the user newer than their read mark. */
async function unreadInMysql(user: TestUser): Promise<number> {
  const admin = await stack.admin('master');
  try {
    const db = stack.config.master.database;
    const rows = await admin.query(
      `SELECT COUNT(*) AS n FROM ??.chat_message m JOIN ??.chat_member c ON c.chat_id = m.chat_id AND c.user_id = ?
       WHERE m.to_user_id = ? AND m.id > c.last_read_message_id`,
      [db, db, user.id, user.id],
    );
    return Number(rows[0]?.n);
  } finally {
    await admin.close();
  }
}

describe('unread counters', () => {
  it('count sends, drop on reading, and never go below zero', async () => {
    const [a, b] = [await api.register(), await api.register()];
    for (const text of ['1', '2', '3'])
      await api.call('POST', `/dialog/${b.id}/send`, { token: a.token, body: { text } });
    expect(await unread(b)).toBe(3);
    expect(await unread(a)).toBe(0);
    await api.call('GET', `/dialog/${a.id}/list`, { token: b.token });
    expect(await unread(b)).toBe(0);
    await api.call('GET', `/dialog/${a.id}/list`, { token: b.token });
    await api.call('PUT', `/dialog/${a.id}/read`, { token: b.token });
    expect(await unread(b)).toBe(0);
  });

  it('are rebuilt from MySQL after Redis lost them', async () => {
    const [a, b, c] = [await api.register(), await api.register(), await api.register()];
    await api.call('POST', `/dialog/${c.id}/send`, { token: a.token, body: { text: 'x' } });
    await api.call('POST', `/dialog/${c.id}/send`, { token: a.token, body: { text: 'y' } });
    await api.call('POST', `/dialog/${c.id}/send`, { token: b.token, body: { text: 'z' } });
    expect(await unread(c)).toBe(3);
    await redis.flushall();
    expect((await api.call('GET', '/dialog/unread', { token: c.token })).json()).toEqual({
      total: 3,
      dialogs: [
        { user_id: a.id, unread: 2 },
        { user_id: b.id, unread: 1 },
      ],
    });
  });

  it('stay equal to MySQL under concurrent sends and reads', async () => {
    const [reader, ...senders] = [
      await api.register(),
      await api.register(),
      await api.register(),
      await api.register(),
    ];
    await unread(reader);
    const work: Promise<unknown>[] = [];
    for (let round = 0; round < 15; round++) {
      for (const sender of senders) {
        work.push(
          api.call('POST', `/dialog/${reader.id}/send`, { token: sender.token, body: { text: `m${round}` } }),
        );
      }
      if (round % 3 === 0)
        work.push(
          api.call('GET', `/dialog/${senders[round % senders.length]!.id}/list?limit=5`, {
            token: reader.token,
          }),
        );
    }
    const responses = (await Promise.all(work)) as Array<{ statusCode: number }>;
    expect(responses.every((r) => r.statusCode === 200)).toBe(true);
    const truth = await unreadInMysql(reader);
    expect(truth).toBeGreaterThan(0);
    expect(await unread(reader)).toBe(truth);
    await redis.flushall();
    expect(await unread(reader)).toBe(truth);
  });

  it('do not make a send fail while Redis is down, and recover after', async () => {
    const [a, b] = [await api.register(), await api.register()];
    await unread(b);
    await stack.redis.stop();
    try {
      const sent = await api.call('POST', `/dialog/${b.id}/send`, {
        token: a.token,
        body: { text: 'through the outage' },
      });
      expect(sent.statusCode).toBe(200);
      expect(await unread(b)).toBe(1);
    } finally {
      await stack.redis.start();
    }
  });
});
