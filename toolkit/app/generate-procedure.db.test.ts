import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, value } from '../../app/src/ops.ts';
import { TestClient } from '../../app/test-support/client.ts';
import { startTestStack, type TestStack } from '../../app/test-support/stack.ts';
import { quietRun } from '../local/testing.ts';
import { type GenerateOptions, generateProcedure } from './generate-procedure.ts';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
});

afterAll(async () => {
  await stack?.stop();
});

const options: GenerateOptions = {
  target: 3000,
  friendsPerUser: 3,
  postsPerUser: 0.5,
  dialogsPerUser: 0.05,
  chunkRows: 1000,
  password: 'generated-pw',
  deferIndex: true,
  seed: 1,
};

describe('users generator', () => {
  it('fills an empty database, tops up to a target, and keeps the indexes', async () => {
    // The migrations' account, as the runbook uses: the generator drops and rebuilds indexes (DDL).
    const { migrate } = stack.cluster;
    const targets = {
      master: { ...stack.config.master, ...migrate },
      chat: { ...stack.config.chat, ...migrate },
      host: 'db1',
    };
    const run = quietRun('generate');
    await generateProcedure(run, targets, options);
    await run.close();
    const conn = await connect(stack.config.master);
    try {
      expect(Number(await value(conn, 'SELECT COUNT(*) FROM `user`'))).toBe(3000);
      expect(Number(await value(conn, 'SELECT COUNT(*) FROM friend'))).toBeGreaterThan(8000);
      expect(Number(await value(conn, 'SELECT COUNT(*) FROM post'))).toBe(1500);
      expect(Number(await value(conn, 'SELECT COUNT(*) FROM chat_message'))).toBe(150 * 4);
      expect(Number(await value(conn, 'SELECT COUNT(DISTINCT city) FROM `user`'))).toBeGreaterThan(100);

      const again = quietRun('generate');
      await generateProcedure(again, targets, { ...options, target: 3500 });
      await again.close();
      expect(Number(await value(conn, 'SELECT COUNT(*) FROM `user`'))).toBe(3500);
      const indexes = await value(
        conn,
        "SELECT GROUP_CONCAT(DISTINCT INDEX_NAME ORDER BY INDEX_NAME) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN ('user', 'friend')",
      );
      expect(indexes).toContain('user_name_prefix');
      expect(indexes).toContain('friend_followers');
    } finally {
      await conn.end();
    }
  });

  it('makes users who log in with the shared password and are found by search', async () => {
    const api = new TestClient(await stack.app());
    const login = await api.call('POST', '/login', { body: { id: '1', password: 'generated-pw' } });
    expect(login.statusCode).toBe(200);
    const me = (await api.call('GET', '/user/get/1')).json<{ first_name: string; second_name: string }>();
    const found = await api.call(
      'GET',
      `/user/search?first_name=${encodeURIComponent(me.first_name)}&last_name=${encodeURIComponent(me.second_name.slice(0, 3))}&limit=1000`,
    );
    expect(found.json<Array<{ id: string }>>().some((u) => u.id === '1')).toBe(true);
  });
});
