import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../lib/poll.ts';
import type { TarantoolClient } from '../../lib/tarantool/iproto.ts';
import { isAlive, isOurs } from '../host/process.ts';
import type { Inventory } from '../inventory/schema.ts';
import { resolveSecret } from '../inventory/secrets.ts';
import { findServerBinaries, startNode, stopNode, waitUntilServing } from '../local/mysql-node.ts';
import { loadState, updateState } from '../local/state.ts';
import { quietRun, startTestCluster, type TestCluster } from '../local/testing.ts';
import { MysqlSession } from '../mysql/session.ts';
import { compareReplica } from './compare.ts';
import { measureLag } from './lag.ts';
import { ensureReplicatorUser } from './mysql-user.ts';
import { loadReplicatorConfig } from './replicator/config.ts';
import { replicatorConfigFile, replicatorEnv, replicatorMarker, startReplicator } from './server.ts';
import { createUserTable, insertUsers } from './test-users.ts';
import { startTestTarantool, type TestTarantool } from './testing.ts';

const replicatorPassword = `repl-${Math.random().toString(36).slice(2)}`;

let cluster: TestCluster;
let tarantool: TestTarantool;
let inventory: Inventory;
let master: MysqlSession;
let admin: TarantoolClient;
let workDir: string;
let replicatorPid: number | undefined;

const mapping = () =>
  loadReplicatorConfig(replicatorConfigFile, {
    ...replicatorEnv(processOptions()),
  }).mappings[0]!;

function processOptions() {
  return {
    mysql: {
      host: '127.0.0.1',
      port: inventory.mysql.master.port,
      user: 'replicator',
      password: replicatorPassword,
      database: 'app',
    },
    tarantool: { host: tarantool.host, port: tarantool.port, user: 'app', password: tarantool.appPassword },
    logFile: join(workDir, 'replicator.log'),
  };
}

function startOurReplicator(): number {
  replicatorPid = startReplicator(processOptions());
  return replicatorPid;
}

function replicatorLog(): string {
  return readFileSync(join(workDir, 'replicator.log'), 'utf8');
}

async function masterSession(): Promise<MysqlSession> {
  return MysqlSession.open(inventory.mysql.master, inventory.mysql.admin);
}

/** Waits until the position stored in Tarantool is the master's binlog end, then compares every row. */
async function expectIdenticalAfterCatchUp(what: string): Promise<number> {
  await waitFor(
    async (why) => {
      if (!isOurs(replicatorPid, replicatorMarker))
        throw new Error(`the replicator exited: ${replicatorLog().slice(-400)}`);
      const lag = await measureLag(master, admin, 0);
      if (!lag.caughtUp)
        why(`${lag.behindTransactions} transactions behind; log: ${replicatorLog().slice(-400)}`);
      return lag.caughtUp ? true : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 200, what: `the replicator to catch up (${what})` },
  );
  const comparison = await compareReplica(master, admin, mapping());
  expect(comparison.differences, what).toEqual([]);
  expect(comparison.tarantoolRows).toBe(comparison.mysqlRows);
  return comparison.mysqlRows;
}

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'replicator-test-'));
  [cluster, tarantool] = await Promise.all([startTestCluster({ slaves: 1 }), startTestTarantool()]);
  inventory = cluster.inventory();
  master = await masterSession();
  admin = await tarantool.admin();
  await createUserTable(master, 'app');
  await insertUsers(master, 'app', 1, 100_000);
  // The replicator's own account, with exactly the grants the runbook gives it.
  const secretsFile = join(cluster.stateDir, 'secrets.json');
  const secrets = JSON.parse(readFileSync(secretsFile, 'utf8')) as Record<string, string>;
  writeFileSync(secretsFile, JSON.stringify({ ...secrets, 'mysql-replicator': replicatorPassword }));
  await ensureReplicatorUser(
    quietRun(),
    master,
    { user: 'replicator', password: 'local:mysql-replicator' },
    'app',
    ['user'],
  );
  expect(resolveSecret('local:mysql-replicator')).toBe(replicatorPassword);
}, 240_000);

afterAll(async () => {
  if (replicatorPid && isOurs(replicatorPid, replicatorMarker)) process.kill(replicatorPid, 'SIGKILL');
  admin?.close();
  await master?.close();
  await Promise.allSettled([tarantool?.stop(), cluster?.stop()]);
  rmSync(workDir, { recursive: true, force: true });
}, 120_000);

describe('Tarantool replicator on real MariaDB and Tarantool', () => {
  it('loads 100,000 users from a consistent snapshot and stores the snapshot position', async () => {
    startOurReplicator();
    const rows = await expectIdenticalAfterCatchUp('initial load');
    expect(rows).toBe(100_000);
    expect(replicatorLog()).toMatch(/loaded 100000 rows of app\.user into space 513/);
    const [count] = await admin.call('user_count');
    expect(count).toBe(100_000);
  }, 180_000);

  it('streams inserts, updates, deletes and a key change', async () => {
    await insertUsers(master, 'app', 200_001, 2_000);
    await master.exec(
      "UPDATE app.user SET city = 'Новосибирск', biography = NULL WHERE id % 7 = 0 AND id < 20000",
    );
    await master.exec('DELETE FROM app.user WHERE id % 11 = 0 AND id < 30000');
    await master.exec('UPDATE app.user SET id = 900001 WHERE id = 5');
    await master.exec(
      "INSERT INTO app.user (first_name, second_name, password_hash) VALUES ('Single', 'Row', 'x')",
    );
    const rows = await expectIdenticalAfterCatchUp('changes after the load');
    const [moved] = await admin.eval('return box.space.user:get(900001)');
    expect((moved as unknown[])[1]).toBeTruthy();
    const [gone] = await admin.eval('return box.space.user:get(5) == nil');
    expect(gone).toBe(true);
    expect(rows).toBe(100_000 + 2_000 - 2_727 + 1);
  }, 120_000);

  it('resumes after SIGKILL mid-stream with every row identical', async () => {
    const before = await measureLag(master, admin, 0);
    // A stream of small transactions, so the kill lands between some of them and inside others.
    const writer = (async () => {
      const session = await masterSession();
      try {
        for (let i = 0; i < 300; i++) {
          await session.exec(
            `UPDATE app.user SET second_name = CONCAT('K${i}-', id) WHERE id BETWEEN ${30_000 + i * 50} AND ${30_000 + i * 50 + 49}`,
          );
          await session.exec(`DELETE FROM app.user WHERE id = ${60_000 + i}`);
        }
        await insertUsers(session, 'app', 300_001, 3_000);
      } finally {
        await session.close();
      }
    })();
    await waitFor(
      async () => {
        const lag = await measureLag(master, admin, 0);
        return lag.stored && lag.stored.position !== before.stored?.position ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 20, what: 'the replicator to apply part of the stream' },
    );
    const killed = replicatorPid!;
    process.kill(killed, 'SIGKILL');
    await waitFor(async () => (isAlive(killed) ? undefined : true), { timeoutMs: 10_000, what: 'the kill' });
    await writer;
    const stoppedAt = await measureLag(master, admin, 0);
    expect(stoppedAt.caughtUp).toBe(false);
    startOurReplicator();
    await expectIdenticalAfterCatchUp('after SIGKILL and restart');
    expect(replicatorLog()).toMatch(/resuming after /);
  }, 180_000);

  it('reconnects when the master restarts and keeps replicating', async () => {
    const node = loadState().mysql.nodes.find((n) => n.name === inventory.mysql.master.name)!;
    await master.close();
    await stopNode(node);
    const pid = startNode(findServerBinaries(), node);
    updateState((state) => {
      state.mysql.nodes.find((n) => n.name === node.name)!.pid = pid;
    });
    await waitUntilServing(node, pid);
    master = await masterSession();
    await master.exec("UPDATE app.user SET first_name = 'После' WHERE id BETWEEN 100 AND 150");
    await insertUsers(master, 'app', 400_001, 500);
    await expectIdenticalAfterCatchUp('after a master restart');
    expect(replicatorLog()).toMatch(/session ended: .*reconnecting/);
    expect(isOurs(replicatorPid, replicatorMarker)).toBe(true);
  }, 180_000);
});
