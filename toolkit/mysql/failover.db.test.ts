import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResultSetHeader } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openConnection } from '../../lib/mysql.ts';
import { waitFor } from '../../lib/poll.ts';
import type { Inventory } from '../inventory/schema.ts';
import { resolveSecret } from '../inventory/secrets.ts';
import { localInventory } from '../local/inventory.ts';
import { startMysqlNodes } from '../local/mysql-component.ts';
import { nodePaths } from '../local/mysql-node.ts';
import { loadState } from '../local/state.ts';
import { quietRun, runRunbook, startTestCluster, type TestCluster } from '../local/testing.ts';
import { MysqlSession } from './session.ts';

let cluster: TestCluster;
let before: Inventory;
const sessions: MysqlSession[] = [];

async function open(inventory: Inventory, name: string): Promise<MysqlSession> {
  const node = [inventory.mysql.master, ...inventory.mysql.slaves, ...(inventory.mysql.fenced ?? [])].find(
    (n) => n.name === name,
  )!;
  const session = await MysqlSession.open(node, inventory.mysql.admin);
  sessions.push(session);
  return session;
}

beforeAll(async () => {
  cluster = await startTestCluster({ slaves: 2, mode: 'replicating' });
  before = cluster.inventory();
  const master = await open(before, 'db1');
  await master.exec(
    'CREATE TABLE app.ledger (id BIGINT AUTO_INCREMENT PRIMARY KEY, writer INT NOT NULL, n INT NOT NULL) ENGINE=InnoDB',
  );
});

afterAll(async () => {
  for (const s of sessions) s.destroy();
  await cluster?.stop();
});

/** Writers that insert until their connection dies, keeping the id of every insert whose commit was acknowledged. */
function startWriters(count: number, acked: bigint[]): Promise<void>[] {
  const { master, app } = before.mysql;
  return Array.from({ length: count }, async (_, writer) => {
    const conn = await openConnection({
      host: master.host,
      port: master.port,
      user: app.user,
      password: resolveSecret(app.password),
      database: 'app',
    });
    try {
      for (let n = 0; ; n++) {
        const [result] = await conn.query<ResultSetHeader>('INSERT INTO ledger (writer, n) VALUES (?, ?)', [
          writer,
          n,
        ]);
        acked.push(BigInt(result.insertId));
      }
    } catch {
      // The master was killed: the insert in flight was never acknowledged.
    } finally {
      conn.destroy();
    }
  });
}

describe('failover.mjs under write load', () => {
  const acked: bigint[] = [];

  it('leaves a healthy master alone', async () => {
    const result = await runRunbook('failover', ['--json'], cluster.env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.report?.changed).toBe(0);
    expect(result.report?.steps[0]?.detail).toMatch(/^up and writable: nothing to fail over/);
  });

  it('promotes a slave after SIGKILL of the master with 0 acknowledged writes lost', async () => {
    const writers = startWriters(4, acked);
    await waitFor(async () => (acked.length >= 400 ? true : undefined), {
      timeoutMs: 60_000,
      what: '400 acknowledged writes',
    });
    const masterPid = loadState().mysql.nodes.find((n) => n.name === 'db1')!.pid!;
    process.kill(masterPid, 'SIGKILL');
    await Promise.all(writers);

    const result = await runRunbook('failover', ['--json'], cluster.env);
    expect(result.code, result.stderr).toBe(0);
    const missingStep = result.report?.steps.find((s) => s.name === 'acknowledged transactions');
    expect(missingStep?.detail).toMatch(/^missing_acknowledged=0 /);

    const state = loadState();
    expect(state.mysql.master).not.toBe('db1');
    expect(state.mysql.fenced).toEqual(['db1']);
    const after = localInventory(state);
    const newMaster = await open(after, state.mysql.master);
    // Every write a client saw acknowledged is on the new master.
    const ids = acked.map(String);
    let present = 0;
    for (let i = 0; i < ids.length; i += 1000) {
      present += Number(
        await newMaster.value('SELECT COUNT(*) FROM app.ledger WHERE id IN (?)', [ids.slice(i, i + 1000)]),
      );
    }
    expect(ids.length - present).toBe(0);
    expect(await newMaster.value('SELECT @@GLOBAL.read_only')).toBe('0');
    expect(await newMaster.status(['Rpl_semi_sync_master_status', 'Rpl_semi_sync_master_clients'])).toEqual({
      Rpl_semi_sync_master_status: 'ON',
      Rpl_semi_sync_master_clients: '1',
    });
    const follower = await open(after, state.mysql.slaves[0]!);
    const status = follower.flavor.parseReplicaStatus(
      (await follower.one(follower.flavor.showReplicaStatus))!,
    );
    expect(status).toMatchObject({ sourcePort: after.mysql.master.port, ioState: 'Yes', sqlRunning: true });
    // The dead master comes back read-only: its fence is in its option files.
    expect(readFileSync(join(nodePaths('db1').optionsDir, 'read-only.cnf'), 'utf8')).toMatch(
      /^read_only = ON$/m,
    );
  });

  it('changes nothing when run again', async () => {
    const again = await runRunbook('failover', ['--json'], cluster.env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.report?.changed).toBe(0);
  });

  it('brings the old master back read-only, and rejoins it as a slave with every acknowledged write', async () => {
    await startMysqlNodes(quietRun());
    const state = loadState();
    const inventory = localInventory(state);
    const old = await open(inventory, 'db1');
    expect(await old.value('SELECT @@GLOBAL.read_only')).toBe('1');

    const rejoin = await runRunbook('replication', ['--json', '--rejoin', 'db1'], cluster.env);
    expect(rejoin.code, rejoin.stderr).toBe(0);
    expect(loadState().mysql.slaves).toContain('db1');
    expect(loadState().mysql.fenced).toEqual([]);
    const newMaster = await open(inventory, state.mysql.master);
    const expected = await newMaster.value('SELECT COUNT(*) FROM app.ledger');
    await waitFor(
      async () => ((await old.value('SELECT COUNT(*) FROM app.ledger')) === expected ? true : undefined),
      {
        timeoutMs: 30_000,
        what: 'db1 to catch up',
      },
    );
    const semisync = await runRunbook('semisync', ['--json'], cluster.env);
    expect(semisync.report?.changed).toBe(0);
    expect(await newMaster.status(['Rpl_semi_sync_master_clients'])).toEqual({
      Rpl_semi_sync_master_clients: '2',
    });
  });

  it('switches over a live master deliberately, losing nothing', async () => {
    const state = loadState();
    const inventory = localInventory(state);
    const current = await open(inventory, state.mysql.master);
    const countBefore = await current.value('SELECT COUNT(*) FROM app.ledger');
    const result = await runRunbook(
      'failover',
      ['--json', '--switchover', '--candidate', 'db1'],
      cluster.env,
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.report?.steps.find((s) => s.name === 'acknowledged transactions')?.detail).toMatch(
      /^missing_acknowledged=0 /,
    );
    expect(loadState().mysql.master).toBe('db1');
    expect(loadState().mysql.fenced).toEqual([state.mysql.master]);
    expect(await current.value('SELECT @@GLOBAL.read_only')).toBe('1');
    const db1 = await open(localInventory(loadState()), 'db1');
    expect(await db1.value('SELECT COUNT(*) FROM app.ledger')).toBe(countBefore);
  });
});
