import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../../lib/poll.ts';
import { TestClient } from '../../test-support/client.ts';
import { startTestStack, type TestStack } from '../../test-support/stack.ts';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
});

afterAll(async () => {
  await stack?.stop();
});

/** A row written on one slave only (binlog off): whoever returns it read that slave. */
async function plantOnSlave(slave: number, id: number, firstName: string): Promise<void> {
  const admin = await stack.admin(slave);
  try {
    await admin.exec('SET SESSION sql_log_bin = 0');
    await admin.exec(
      "INSERT INTO ??.`user` (id, first_name, second_name, birthdate, password_hash) VALUES (?, ?, 'Репликов', '1990-01-01', 'x')",
      [stack.config.master.database, id, firstName],
    );
  } finally {
    await admin.close();
  }
}

describe('read/write split', () => {
  it('serves lag-tolerant reads from the slaves, round-robin', async () => {
    await plantOnSlave(0, 900_001, 'Первый');
    await plantOnSlave(1, 900_001, 'Второй');
    const api = new TestClient(await stack.app());
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) {
      seen.add((await api.call('GET', '/user/get/900001')).json<{ first_name: string }>().first_name);
    }
    expect([...seen].sort()).toEqual(['Второй', 'Первый']);
  });

  it('skips a dead slave and falls back to the master when none answers', async () => {
    await plantOnSlave(1, 900_002, 'Живой');
    const slaves = stack.env.SLAVE_MYSQL_HOSTS!.split(',');
    const withDead = await stack.app({ SLAVE_MYSQL_HOSTS: `127.0.0.1:1,${slaves[1]}` });
    const api = new TestClient(withDead);
    for (let i = 0; i < 3; i++)
      expect((await api.call('GET', '/user/get/900002')).json()).toMatchObject({ first_name: 'Живой' });

    const noneAlive = new TestClient(await stack.app({ SLAVE_MYSQL_HOSTS: '127.0.0.1:1' }));
    const user = await noneAlive.register({ first_name: 'Мастер' });
    expect((await noneAlive.call('GET', `/user/get/${user.id}`)).json()).toMatchObject({
      first_name: 'Мастер',
    });
  });

  it('takes a slave not seeded yet (its app account missing) for unavailable: the master answers', async () => {
    const slaves = stack.env.SLAVE_MYSQL_HOSTS!.split(',');
    // A slave as a stack's first `up` leaves it: the app's account is not there (access denied).
    const noAccount = new TestClient(
      await stack.app({ SLAVE_MYSQL_HOSTS: slaves[0]!, SLAVE_MYSQL_USER: 'not_seeded_yet' }),
    );
    const user = await noAccount.register({ first_name: 'Несеянный' });
    const read = await noAccount.call('GET', `/user/get/${user.id}`);
    expect([read.statusCode, read.json()]).toEqual([
      200,
      expect.objectContaining({ first_name: 'Несеянный' }),
    ]);
  });

  it('writes to the master, whose rows reach the slaves', async () => {
    const api = new TestClient(await stack.app());
    const user = await api.register({ first_name: 'Записанный' });
    const slave = await stack.admin(0);
    try {
      const db = stack.config.master.database;
      const name = await waitFor(
        async () =>
          (await slave.value('SELECT first_name FROM ??.`user` WHERE id = ?', [db, user.id])) ?? undefined,
        {
          timeoutMs: 10_000,
          what: 'the new user on the slave',
        },
      );
      expect(name).toBe('Записанный');
    } finally {
      await slave.close();
    }
  });
});
