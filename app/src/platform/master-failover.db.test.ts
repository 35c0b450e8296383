import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorBody, TestClient, type TestUser } from '../../test-support/client.ts';
import { startTestStack, type TestStack } from '../../test-support/stack.ts';
import { startTcpSwitch, type TcpSwitch } from '../../test-support/tcp-switch.ts';

let stack: TestStack;
let endpoint: TcpSwitch;
let api: TestClient;
let user: TestUser;

beforeAll(async () => {
  stack = await startTestStack();
  const { master } = stack.cluster;
  endpoint = await startTcpSwitch({ host: master.host, port: master.port });
  // The app knows only the endpoint, as it knows only HAProxy's writer endpoint in an environment.
  api = new TestClient(
    await stack.app({ MYSQL_HOST: '127.0.0.1', MYSQL_PORT: String(endpoint.port), MYSQL_POOL_SIZE: '8' }),
  );
  user = await api.register();
}, 120_000);

afterAll(async () => {
  await endpoint?.close();
  await stack?.stop();
});

const post = (text: string) => api.call('POST', '/post/create', { token: user.token, body: { text } });

async function setReadOnly(node: 'master' | number, on: boolean): Promise<void> {
  const admin = await stack.admin(node);
  try {
    if (node !== 'master' && !on) await admin.exec('STOP SLAVE');
    await admin.exec(`SET GLOBAL read_only = ${on ? 1 : 0}`);
  } finally {
    await admin.close();
  }
}

async function postsOn(node: 'master' | number, text: string): Promise<number> {
  const admin = await stack.admin(node);
  try {
    return Number(
      await admin.value('SELECT COUNT(*) FROM ??.post WHERE text = ?', [stack.config.master.database, text]),
    );
  } finally {
    await admin.close();
  }
}

function expectUnavailable(response: Awaited<ReturnType<typeof post>>): void {
  expect(response.statusCode).toBe(503);
  expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
  expect(errorBody(response)).toMatchObject({ code: 2001, request_id: expect.any(String) });
}

describe('writes through an endpoint that moves to a new master', () => {
  it('is ready while the master is writable', async () => {
    const ready = await api.call('GET', '/ready');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ checks: { mysql: true } });
  });

  it('retries once on a fresh connection after a read-only answer, and drops the stale pool', async () => {
    // Fill the pool: every one of these connections reaches the old master.
    const warm = await Promise.all(Array.from({ length: 8 }, (_, i) => post(`warm ${i}`)));
    expect(warm.map((r) => r.statusCode)).toEqual(Array(8).fill(200));

    // The failover, as HAProxy's writer endpoint sees it: old master fenced, slave promoted, new
    // connections to the new master; pooled ones are left open on the old one (the worst case).
    await setReadOnly('master', true);
    await setReadOnly(0, false);
    endpoint.target = stack.cluster.slaves[0];

    const after = [];
    for (let i = 0; i < 8; i++) after.push(await post(`after failover ${i}`));
    expect(after.map((r) => r.statusCode)).toEqual(Array(8).fill(200));
    expect(await postsOn(0, 'after failover 0')).toBe(1);
    expect(await postsOn('master', 'after failover 0')).toBe(0);
    expect((await api.call('GET', '/ready')).statusCode).toBe(200);
  });

  it('answers 503 with retry-after, never 500, while no node takes writes; /ready says not ready', async () => {
    await setReadOnly(0, true);
    const refused = await post('nobody writes this');
    expectUnavailable(refused);
    const ready = await api.call('GET', '/ready');
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ status: 'not ready', checks: { mysql: false } });

    endpoint.target = undefined;
    endpoint.cut();
    expectUnavailable(await post('no server behind the endpoint'));
    expect((await api.call('GET', '/ready')).statusCode).toBe(503);

    endpoint.target = stack.cluster.slaves[0];
    await setReadOnly(0, false);
    expect((await post('writable again')).statusCode).toBe(200);
    expect((await api.call('GET', '/ready')).statusCode).toBe(200);
    expect(await postsOn(0, 'nobody writes this')).toBe(0);
  });

  it('never resends a write whose connection broke where it may have committed', async () => {
    const created = await post('to be edited');
    const id = created.json<string>();
    const admin = await stack.admin(0);
    try {
      // Hold the row so the app's UPDATE is in flight on the server when the endpoint cuts it.
      await admin.exec('BEGIN');
      await admin.query('SELECT id FROM ??.post WHERE id = ? FOR UPDATE', [stack.config.master.database, id]);
      const update = api.call('PUT', '/post/update', {
        token: user.token,
        body: { id, text: 'edited once' },
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      endpoint.cut();
      expectUnavailable(await update);
    } finally {
      await admin.exec('ROLLBACK').catch(() => {});
      await admin.close();
    }
  });
});
