import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateAll } from '../../app/src/ops.ts';
import { startRedis, type TestRedis } from '../../app/test-support/redis.ts';
import { freePorts } from '../../lib/net.ts';
import { startTestHaproxy, type TestHaproxy } from '../haproxy/testing.ts';
import type { Inventory } from '../inventory/schema.ts';
import { LocalInventorySource, localInventory } from '../local/inventory.ts';
import { loadState } from '../local/state.ts';
import { quietRun, startTestCluster, type TestCluster } from '../local/testing.ts';
import { failoverProcedure } from '../mysql/failover.ts';
import { MysqlSession } from '../mysql/session.ts';
import { generateTargets, migrateTargets } from './generate-runbook.ts';
import { type AppProcess, httpCall, spawnAppProcess } from './testing.ts';

let cluster: TestCluster;
let proxy: TestHaproxy;
let redis: TestRedis;
let app: AppProcess;
let dir: string;

/** The current local topology, with the test's HAProxy and monitor account. */
function current(): Inventory {
  const { haproxy, mysql } = proxy.inventory;
  const inventory = localInventory(loadState());
  return { ...inventory, haproxy, mysql: { ...inventory.mysql, monitor: mysql.monitor } };
}

beforeAll(async () => {
  // Three slaves: the promoted node keeps two to acknowledge semi-sync.
  cluster = await startTestCluster({ slaves: 3, mode: 'replicating' });
  const targets = generateTargets(cluster.inventory());
  await migrateAll(migrateTargets(cluster.inventory()));
  proxy = await startTestHaproxy(cluster.inventory());
  redis = await startRedis();
  dir = mkdtempSync(join(tmpdir(), 'failover-writes-'));
  const { haproxy } = proxy.inventory;
  app = await spawnAppProcess(
    'app',
    await freePorts(1),
    {
      // The app knows HAProxy's endpoints only, never a node.
      MYSQL_HOST: haproxy!.host,
      MYSQL_PORT: String(haproxy!.writerPort),
      SLAVE_MYSQL_HOSTS: `${haproxy!.host}:${haproxy!.readerPort}`,
      MYSQL_USER: targets.master.user,
      MYSQL_PASSWORD: targets.master.password,
      MYSQL_DB: targets.master.database,
      REDIS_HOST: '127.0.0.1',
      REDIS_PORT: String(redis.port),
      RABBITMQ_PREFIX: `test-${randomBytes(5).toString('hex')}`,
      AUTH_TOKEN_SECRET: randomBytes(24).toString('hex'),
      LOG_LEVEL: 'warn',
    },
    dir,
  );
}, 240_000);

afterAll(async () => {
  app?.child.kill('SIGKILL');
  await redis?.stop();
  await proxy?.stop();
  await cluster?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Write {
  startedAt: number;
  status: number;
  retryAfter: unknown;
  code?: number;
  postId?: string;
}

describe('the app writing through HAProxy across a failover', () => {
  it('writes again after the switch without a restart; the window answers 503 with retry-after, never 500', async () => {
    const password = 'secret-password';
    const user = JSON.parse(
      (
        await httpCall({
          port: app.port,
          path: '/user/register',
          method: 'POST',
          body: {
            first_name: 'Стойкий',
            second_name: 'Писатель',
            birthdate: '1990-01-01',
            biography: '',
            city: 'Москва',
            password,
          },
        })
      ).body,
    ) as { user_id: string };
    const token = JSON.parse(
      (
        await httpCall({
          port: app.port,
          path: '/login',
          method: 'POST',
          body: { id: user.user_id, password },
        })
      ).body,
    ) as { token: string };

    const writes: Write[] = [];
    let stop = false;
    const client = async (n: number) => {
      for (let i = 0; !stop; i++) {
        const startedAt = Date.now();
        const answer = await httpCall({
          port: app.port,
          path: '/post/create',
          method: 'POST',
          headers: { authorization: `Bearer ${token.token}` },
          body: { text: `write ${n}.${i}` },
        });
        const body = JSON.parse(answer.body) as unknown;
        writes.push({
          startedAt,
          status: answer.status,
          retryAfter: answer.headers['retry-after'],
          ...(answer.status === 200 ? { postId: body as string } : { code: (body as { code: number }).code }),
        });
      }
    };
    const load = Promise.all([0, 1, 2, 3].map(client));
    await new Promise((resolve) => setTimeout(resolve, 1500));

    const old = loadState().mysql.nodes.find((n) => n.name === loadState().mysql.master)!;
    const killedAt = Date.now();
    process.kill(old.pid!, 'SIGKILL');
    const run = quietRun('failover');
    await failoverProcedure(run, current(), new LocalInventorySource(), {
      switchover: false,
      catchUpTimeoutMs: 30_000,
    });
    await run.close();
    const switchedAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 3000));
    stop = true;
    await load;

    const pid = app.child.pid;
    expect(app.child.exitCode, 'the app was never restarted').toBeNull();
    expect(app.child.pid).toBe(pid);
    expect(writes.filter((w) => w.status !== 200 && w.status !== 503)).toEqual([]);
    const refused = writes.filter((w) => w.status === 503);
    for (const w of refused) {
      expect(w.code).toBe(2001);
      expect(Number(w.retryAfter)).toBeGreaterThan(0);
      expect(w.startedAt).toBeGreaterThanOrEqual(killedAt - 1000);
    }
    const after = writes.filter((w) => w.startedAt > switchedAt);
    expect(after.length).toBeGreaterThan(10);
    expect(after.filter((w) => w.status !== 200)).toEqual([]);
    const firstAccepted = Math.min(
      ...writes.filter((w) => w.startedAt > killedAt && w.status === 200).map((w) => w.startedAt),
    );
    console.log(
      `failover under app writes: ${writes.length} writes, ${refused.length} answered 503, first accepted ${firstAccepted - killedAt} ms after the kill, failover done after ${switchedAt - killedAt} ms`,
    );

    // Every write the app acknowledged is on the new master.
    const acknowledged = writes.filter((w) => w.postId).map((w) => w.postId!);
    const inventory = current();
    const session = await MysqlSession.open(inventory.mysql.master, inventory.mysql.admin);
    try {
      const found = Number(
        await session.value(
          `SELECT COUNT(*) FROM ??.post WHERE id IN (${acknowledged.map(() => '?').join(',')})`,
          [inventory.mysql.database, ...acknowledged],
        ),
      );
      expect(found).toBe(acknowledged.length);
    } finally {
      await session.close();
    }
    expect((await httpCall({ port: app.port, path: '/ready' })).status).toBe(200);
  }, 240_000);
});
