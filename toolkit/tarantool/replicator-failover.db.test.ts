import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../lib/poll.ts';
import type { TarantoolClient } from '../../lib/tarantool/iproto.ts';
import { startTestHaproxy, type TestHaproxy } from '../haproxy/testing.ts';
import { isOurs, stopProcess } from '../host/process.ts';
import type { Inventory, MysqlNode } from '../inventory/schema.ts';
import { LocalInventorySource, localInventory } from '../local/inventory.ts';
import { loadState } from '../local/state.ts';
import { quietRun, runRunbook, startTestCluster, type TestCluster } from '../local/testing.ts';
import { failoverProcedure } from '../mysql/failover.ts';
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
let proxy: TestHaproxy;
let tarantool: TestTarantool;
let admin: TarantoolClient;
let workDir: string;
let replicatorPid: number | undefined;

/** The current local topology, with the test's HAProxy in front of it. */
function current(): Inventory {
  const { haproxy, mysql } = proxy.inventory;
  const inventory = localInventory(loadState());
  return { ...inventory, haproxy, mysql: { ...inventory.mysql, monitor: mysql.monitor } };
}
function log(): string {
  try {
    return readFileSync(join(workDir, 'replicator.log'), 'utf8');
  } catch {
    return '';
  }
}

function processOptions(source: { host: string; port: number }) {
  return {
    mysql: {
      host: source.host,
      port: source.port,
      user: 'replicator',
      password: replicatorPassword,
      database: 'app',
    },
    tarantool: { host: tarantool.host, port: tarantool.port, user: 'app', password: tarantool.appPassword },
    logFile: join(workDir, 'replicator.log'),
  };
}

/** Started against the inventory's master (the local environment's way without HAProxy), or HAProxy's writer endpoint. */
async function startReplicatorOn(source: { host: string; port: number }): Promise<void> {
  if (isOurs(replicatorPid, replicatorMarker)) await stopProcess(replicatorPid, replicatorMarker, 30_000);
  const from = log().length;
  replicatorPid = startReplicator(processOptions(source));
  await waitFor(async () => (/streaming the binlog/.test(log().slice(from)) ? true : undefined), {
    timeoutMs: 60_000,
    what: `the replicator to stream from ${source.host}:${source.port}`,
  });
}

const writerEndpoint = () => ({
  host: proxy.inventory.haproxy!.host,
  port: proxy.inventory.haproxy!.writerPort,
});

async function open(node: MysqlNode): Promise<MysqlSession> {
  return MysqlSession.open(node, current().mysql.admin);
}

/** Tarantool's stored position is the master's binlog end; then every row compared. */
async function expectIdentical(what: string): Promise<number> {
  const master = await open(current().mysql.master);
  try {
    await waitFor(
      async (why) => {
        if (!isOurs(replicatorPid, replicatorMarker))
          throw new Error(`the replicator exited: ${log().slice(-400)}`);
        const lag = await measureLag(master, admin, 0);
        why(`${lag.behindTransactions} transactions behind; log: ${log().slice(-300)}`);
        return lag.caughtUp ? true : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 200, what: `the replicator to catch up (${what})` },
    );
    const mapping = loadReplicatorConfig(
      replicatorConfigFile,
      replicatorEnv(processOptions(current().mysql.master)),
    ).mappings[0]!;
    const comparison = await compareReplica(master, admin, mapping);
    expect(comparison.differences, what).toEqual([]);
    expect(comparison.tarantoolRows).toBe(comparison.mysqlRows);
    return comparison.mysqlRows;
  } finally {
    await master.close();
  }
}

/** How many times Tarantool replaced each user, counted by a trigger inside the replicator's own transactions. */
async function installApplyCounter(): Promise<void> {
  await admin.eval(`
    box.schema.space.create('test_applied', { id = 601, if_not_exists = true })
    box.space.test_applied:create_index('primary', { if_not_exists = true })
    box.schema.user.grant('app', 'read,write', 'space', 'test_applied', { if_not_exists = true })
    box.space.user:on_replace(function(old, new)
      if new ~= nil then box.space.test_applied:upsert({ new[1], 1 }, { { '+', 2, 1 } }) end
    end)
  `);
}

async function applyCounts(): Promise<{ users: number; appliedTwice: number }> {
  const [users, twice] = await admin.eval(`
    local twice = 0
    for _, t in box.space.test_applied:pairs() do if t[2] ~= 1 then twice = twice + 1 end end
    return box.space.test_applied:count(), twice
  `);
  return { users: Number(users), appliedTwice: Number(twice) };
}

/** One user per transaction from `firstId` up, until stopped or the connection dies; returns the ids acknowledged. */
function writeLoad(node: MysqlNode, firstId: number, stop: { now: boolean }): Promise<number[]> {
  return (async () => {
    const acked: number[] = [];
    const session = await open(node);
    try {
      for (let id = firstId; !stop.now; id++) {
        await insertUsers(session, 'app', id, 1);
        acked.push(id);
      }
    } catch {
      // The master was killed: the insert in flight was never acknowledged.
    } finally {
      session.destroy();
    }
    return acked;
  })();
}

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'replicator-failover-'));
  [cluster, tarantool] = await Promise.all([
    startTestCluster({ slaves: 3, mode: 'replicating' }),
    startTestTarantool(),
  ]);
  proxy = await startTestHaproxy(cluster.inventory());
  admin = await tarantool.admin();
  const master = await open(current().mysql.master);
  try {
    await createUserTable(master, 'app');
    await insertUsers(master, 'app', 1, 5_000);
  } finally {
    await master.close();
  }
  const secretsFile = join(cluster.stateDir, 'secrets.json');
  const secrets = JSON.parse(readFileSync(secretsFile, 'utf8')) as Record<string, string>;
  writeFileSync(secretsFile, JSON.stringify({ ...secrets, 'mysql-replicator': replicatorPassword }));
  // Every node gets the account (made with sql_log_bin off), so a promoted slave serves the replicator too.
  const inventory = current();
  for (const node of [inventory.mysql.master, ...inventory.mysql.slaves]) {
    const session = await open(node);
    try {
      await ensureReplicatorUser(
        quietRun(),
        session,
        { user: 'replicator', password: 'local:mysql-replicator' },
        'app',
        ['user'],
      );
    } finally {
      await session.close();
    }
  }
  await installApplyCounter();
}, 240_000);

afterAll(async () => {
  if (replicatorPid && isOurs(replicatorPid, replicatorMarker)) process.kill(replicatorPid, 'SIGKILL');
  admin?.close();
  await proxy?.stop();
  await Promise.allSettled([tarantool?.stop(), cluster?.stop()]);
  rmSync(workDir, { recursive: true, force: true });
}, 120_000);

describe('the Tarantool replicator through a failover', () => {
  it('follows a SIGKILLed master through the writer endpoint by GTID, without a restart: nothing lost, nothing applied twice', async () => {
    await startReplicatorOn(writerEndpoint());
    expect(await expectIdentical('initial load')).toBe(5_000);
    const oldMaster = current().mysql.master;
    const pid = replicatorPid;

    const stop = { now: false };
    const load = writeLoad(oldMaster, 100_000, stop);
    await waitFor(async () => ((await applyCounts()).users >= 5_300 ? true : undefined), {
      timeoutMs: 60_000,
      what: 'the replicator to apply 300 streamed inserts',
    });
    process.kill(loadState().mysql.nodes.find((n) => n.name === oldMaster.name)!.pid!, 'SIGKILL');
    const beforeKill = await load;
    expect(beforeKill.length).toBeGreaterThan(300);

    const logFrom = log().length;
    const run = quietRun('failover');
    await failoverProcedure(run, current(), new LocalInventorySource(), {
      switchover: false,
      catchUpTimeoutMs: 30_000,
    });
    await run.close();
    const newMaster = current().mysql.master;
    expect(newMaster.name).not.toBe(oldMaster.name);
    const afterFailover = writeLoad(newMaster, 200_000, stop);
    await waitFor(
      async () => ((await applyCounts()).users >= 5_000 + beforeKill.length + 300 ? true : undefined),
      { timeoutMs: 60_000, what: 'the replicator to apply 300 inserts on the new master' },
    );
    stop.now = true;
    const written = await afterFailover;

    const rows = await expectIdentical('after the failover');
    expect(replicatorPid).toBe(pid);
    const followed = log().slice(logFrom);
    const newServerId = loadState().mysql.nodes.find((n) => n.name === newMaster.name)!.serverId;
    expect(followed).toMatch(
      new RegExp(`source changed at 127\\.0\\.0\\.1:\\d+: server_id 1 → server_id ${newServerId}`),
    );
    expect(followed).toMatch(/resuming after .*\(GTID 0-1-\d+\)/);
    expect(followed).toMatch(/streaming the binlog after .*, by GTID/);
    expect(followed).not.toMatch(/reloading from a snapshot|initial load/);
    // Every acknowledged write is in Tarantool (compared row by row above), and each row was applied once.
    expect(rows).toBeGreaterThanOrEqual(5_000 + beforeKill.length + written.length);
    expect(await applyCounts()).toEqual({ users: rows, appliedTwice: 0 });
  }, 300_000);

  it('reading a master directly, notices it turned read-only in a switchover, leaves it, and resumes on the new master', async () => {
    const oldMaster = current().mysql.master;
    await startReplicatorOn(oldMaster);
    await expectIdentical('reading the master directly');
    let logFrom = log().length;
    const switchover = await runRunbook('failover', ['--json', '--switchover'], cluster.env);
    expect(switchover.code, switchover.stdout + switchover.stderr).toBe(0);
    const newMaster = current().mysql.master;
    expect(newMaster.name).not.toBe(oldMaster.name);
    // The fenced node keeps the binlog connection open and sends nothing: only the watch can tell.
    await waitFor(
      async () =>
        /turned read-only: it is no longer the master; reconnecting/.test(log().slice(logFrom)) &&
        /is read-only: a slave or a fenced former master, not the writer/.test(log().slice(logFrom))
          ? true
          : undefined,
      { timeoutMs: 30_000, what: 'the replicator to leave the fenced master' },
    );
    expect(log().slice(logFrom)).not.toMatch(/streaming the binlog/);

    logFrom = log().length;
    await startReplicatorOn(newMaster);
    const session = await open(newMaster);
    try {
      for (let id = 300_000; id < 300_200; id++) await insertUsers(session, 'app', id, 1);
    } finally {
      await session.close();
    }
    const rows = await expectIdentical('after the switchover');
    expect(log().slice(logFrom)).toMatch(/resuming after .*\(GTID /);
    expect(await applyCounts()).toEqual({ users: rows, appliedTwice: 0 });
  }, 300_000);
});
