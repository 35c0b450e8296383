import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePorts } from '../../lib/net.ts';
import { waitFor } from '../../lib/poll.ts';
import type { TarantoolClient } from '../../lib/tarantool/iproto.ts';
import { makeTempDir } from '../../lib/temp-dirs.ts';
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
import { type BinlogPosition, describePosition, positionFromTuple } from './replicator/position.ts';
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
let metricsPort: number;

/** One sample of the replicator's /metrics, by name and (a part of) its labels. */
async function metric(name: string, labels = ''): Promise<number | undefined> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(name) && l.includes(labels) && !l.startsWith('#'));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

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
    metricsPort,
  };
}

function startOurReplicator(testFault?: string): number {
  replicatorPid = startReplicator({ ...processOptions(), testFault });
  return replicatorPid;
}

async function stopOurReplicator(): Promise<void> {
  const pid = replicatorPid;
  if (isOurs(pid, replicatorMarker)) process.kill(pid, 'SIGTERM');
  await waitFor(async () => (isAlive(pid) ? undefined : true), {
    timeoutMs: 20_000,
    what: 'the replicator to stop',
  });
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

/** Counts, inside each Tarantool transaction that changes space 513, the rows it replaced or deleted. */
async function installApplyCounter(): Promise<void> {
  await admin.eval(`
    box.schema.space.create('test_applied_ops', { id = 600, if_not_exists = true })
    box.space.test_applied_ops:create_index('primary', { if_not_exists = true })
    -- The trigger runs as the user whose request changed the space: the replicator's.
    box.schema.user.grant('app', 'read,write', 'space', 'test_applied_ops', { if_not_exists = true })
    box.space.user:on_replace(function() box.space.test_applied_ops:upsert({ 1, 1 }, { { '+', 2, 1 } }) end)
  `);
}

async function appliedOps(): Promise<number> {
  const [tuple] = await admin.eval('local t = box.space.test_applied_ops:get(1) return t and t[2] or 0');
  return Number(tuple);
}

/** Row events for app.user in the master's binlog from one position to another, read by mariadb-binlog itself. */
async function binlogRows(from: BinlogPosition, to: BinlogPosition): Promise<number> {
  const basename = String(await master.value('SELECT @@GLOBAL.log_bin_basename'));
  const files = (await master.query('SHOW BINARY LOGS'))
    .map((row) => String(row.Log_name))
    .filter((name) => name >= from.file && name <= to.file)
    .sort();
  const { stdout } = await execa('mariadb-binlog', [
    '--no-defaults',
    '--base64-output=DECODE-ROWS',
    '--verbose',
    `--start-position=${from.position}`,
    `--stop-position=${to.position}`,
    ...files.map((name) => join(dirname(basename), name)),
  ]);
  return stdout.match(/^### (INSERT INTO|UPDATE|DELETE FROM) `app`\.`user`$/gm)?.length ?? 0;
}

async function storedPosition(): Promise<BinlogPosition> {
  const [tuple] = await admin.call('replicator_position', [0]);
  const stored = positionFromTuple(tuple);
  if (!stored) throw new Error('no position stored in space 512');
  return stored;
}

/** Small transactions of several row events each: an UPDATE of 50 rows (each really changed) and a DELETE. */
async function writeTransactions(round: string, firstId: number, count: number): Promise<void> {
  const session = await masterSession();
  try {
    for (let i = 0; i < count; i++) {
      await session.exec('BEGIN');
      await session.exec('UPDATE app.user SET second_name = CONCAT(?, id) WHERE id BETWEEN ? AND ?', [
        `${round}${i}-`,
        firstId + i * 50,
        firstId + i * 50 + 49,
      ]);
      await session.exec('DELETE FROM app.user WHERE id = ?', [firstId + 20_000 + i]);
      await session.exec('COMMIT');
    }
  } finally {
    await session.close();
  }
}

/**
 * Restarts the replicator with a fault that SIGKILLs it at a fixed point of a batch while transactions
 * are written, then checks at the kill that Tarantool's rows match its stored position exactly (every
 * binlog row up to it applied once, none after), restarts it without the fault, checks it logged that
 * same position as where it resumed and applied exactly the binlog rows after it, and compares every row.
 */
async function crashInsideBatch(
  fault: string,
  round: string,
  firstId: number,
): Promise<{ faultPosition: string; storedAtKill: BinlogPosition }> {
  // Each fault starts from a running, caught-up replicator, whatever the test before it left.
  if (!isOurs(replicatorPid, replicatorMarker)) startOurReplicator();
  await expectIdenticalAfterCatchUp(`before ${fault}`);
  await stopOurReplicator();
  const from = await storedPosition();
  await admin.eval('box.space.test_applied_ops:replace({ 1, 0 })');
  let logFrom = replicatorLog().length;
  const faulty = startOurReplicator(fault);
  const writer = writeTransactions(round, firstId, 300);
  await waitFor(async (why) => (isAlive(faulty) ? why('still running') : true), {
    timeoutMs: 90_000,
    intervalMs: 50,
    what: `the replicator to kill itself (${fault})`,
  });
  await writer;
  const faultLine = /^.* test fault: SIGKILL .* batch \d+ .*, position (.+)\)$/m.exec(
    replicatorLog().slice(logFrom),
  );
  expect(faultLine, replicatorLog().slice(logFrom)).not.toBeNull();

  const storedAtKill = await storedPosition();
  const appliedAtKill = await appliedOps();
  expect(appliedAtKill).toBe(await binlogRows(from, storedAtKill));

  logFrom = replicatorLog().length;
  startOurReplicator();
  await expectIdenticalAfterCatchUp(`after ${fault} and a restart`);
  const resumed = /resuming after (.+)$/m.exec(replicatorLog().slice(logFrom));
  expect(resumed?.[1]).toBe(describePosition(storedAtKill));
  const end = await storedPosition();
  const applied = await appliedOps();
  expect(applied - appliedAtKill).toBe(await binlogRows(storedAtKill, end));
  expect(applied).toBe(await binlogRows(from, end));
  expect(applied).toBe(300 * 51);
  return { faultPosition: faultLine![1]!, storedAtKill };
}

beforeAll(async () => {
  workDir = makeTempDir('replicator-test-');
  metricsPort = await freePorts(1);
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
  await installApplyCounter();
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
    // Its metrics say the same: five transactions streamed (the insert of 2,000 is one), caught up, from db1.
    expect(await metric('replicator_applied_transactions_total')).toBe(5);
    expect(await metric('replicator_applied_rows_total')).toBeGreaterThan(100_000);
    expect(await metric('replicator_lag_seconds')).toBe(0);
    expect(await metric('replicator_lag_transactions')).toBe(0);
    expect(await metric('replicator_state', 'state="streaming"')).toBe(1);
    expect(await metric('replicator_source_info', `address="127.0.0.1:${inventory.mysql.master.port}"`)).toBe(
      1,
    );
  }, 120_000);

  it('killed after Tarantool committed a batch, resumes at its stored position and applies nothing twice', async () => {
    const run = await crashInsideBatch('kill-after-apply:5', 'A', 30_000);
    // The batch the replicator died in was committed together with its position.
    expect(run.faultPosition).toBe(describePosition(run.storedAtKill));
  }, 240_000);

  it('killed before a batch reached Tarantool, resumes at the previous position and loses nothing', async () => {
    const run = await crashInsideBatch('kill-before-apply:3', 'B', 70_000);
    // Nothing of the batch it died in was stored: the position is an earlier one.
    expect(run.faultPosition).not.toBe(describePosition(run.storedAtKill));
  }, 240_000);

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
    expect(await metric('replicator_reconnects_total')).toBeGreaterThanOrEqual(1);
    expect(isOurs(replicatorPid, replicatorMarker)).toBe(true);
  }, 180_000);
});
