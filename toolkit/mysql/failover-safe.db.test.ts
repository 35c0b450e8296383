import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../lib/poll.ts';
import { localInventory } from '../local/inventory.ts';
import { loadState } from '../local/state.ts';
import { runRunbook, startTestCluster, type TestCluster } from '../local/testing.ts';
import type { MariadbGtidPos } from './gtid.ts';
import { MysqlSession } from './session.ts';

let cluster: TestCluster;
let db1: MysqlSession;
let db2: MysqlSession;
let db3: MysqlSession;

const count = async (session: MysqlSession) => Number(await session.value('SELECT COUNT(*) FROM app.safe'));

beforeAll(async () => {
  cluster = await startTestCluster({ slaves: 2, mode: 'replicating' });
  const inventory = cluster.inventory();
  db1 = await MysqlSession.open(inventory.mysql.master, inventory.mysql.admin);
  db2 = await MysqlSession.open(inventory.mysql.slaves[0]!, inventory.mysql.admin);
  db3 = await MysqlSession.open(inventory.mysql.slaves[1]!, inventory.mysql.admin);
  await db1.exec('CREATE TABLE app.safe (id INT PRIMARY KEY) ENGINE=InnoDB');
  await db1.exec('INSERT INTO app.safe SELECT seq FROM app.seq_1_to_10');
  await waitFor(async () => ((await count(db2)) === 10 && (await count(db3)) === 10 ? true : undefined), {
    timeoutMs: 20_000,
    what: 'the slaves to apply the first 10 rows',
  });
}, 120_000);

afterAll(async () => {
  db1?.destroy();
  db2?.destroy();
  db3?.destroy();
  await cluster?.stop();
}, 60_000);

describe('failover.mjs safe mode', () => {
  let masterGtid: MariadbGtidPos;

  it('refuses a promotion that would lose acknowledged transactions, names them by GTID and leaves the topology as found', async () => {
    // The slaves receive (and acknowledge, semi-sync) three more commits but cannot apply them.
    for (const slave of [db2, db3]) await slave.exec('STOP SLAVE SQL_THREAD');
    for (const id of [11, 12, 13]) await db1.exec('INSERT INTO app.safe VALUES (?)', [id]);
    masterGtid = (await db1.executedGtid()) as MariadbGtidPos;
    const last = masterGtid.domains.get(0)!;

    const result = await runRunbook(
      'failover',
      ['--json', '--switchover', '--catch-up-timeout', '2'],
      cluster.env,
    );
    expect(result.code, result.stdout).not.toBe(0);
    const step = result.report?.steps.find((s) => s.name === 'acknowledged transactions');
    expect(step?.status).toBe('failed');
    expect(step?.detail).toContain(
      `refusing to promote db2: missing_acknowledged=3, it lacks 0-*-${last.seq - 2n}..0-1-${last.seq} (3, held by db1 (old master))`,
    );
    expect(step?.detail).toContain(
      `0-*-${last.seq - 2n}..0-1-${last.seq} (3, held by db2 (relay log, not applied))`,
    );
    // Nothing promoted: the inventory, the old master's writability and db2's replication are as before.
    expect(loadState().mysql.master).toBe('db1');
    expect(loadState().mysql.fenced).toEqual([]);
    expect(await db1.value('SELECT @@GLOBAL.read_only')).toBe('0');
    expect(result.report?.steps.find((s) => s.name === 'writable master')?.status).toBe('changed');
    for (const slave of [db2, db3]) {
      const status = slave.flavor.parseReplicaStatus((await slave.one(slave.flavor.showReplicaStatus))!);
      expect(status.ioState).toBe('Yes');
    }
    await db1.exec('INSERT INTO app.safe VALUES (14)');
    expect(await count(db1)).toBe(14);
  }, 120_000);

  it('promotes with --force and reports what was lost', async () => {
    masterGtid = (await db1.executedGtid()) as MariadbGtidPos;
    const last = masterGtid.domains.get(0)!;
    const result = await runRunbook(
      'failover',
      ['--json', '--switchover', '--catch-up-timeout', '2', '--force'],
      cluster.env,
    );
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const step = result.report?.steps.find((s) => s.name === 'acknowledged transactions');
    expect(step?.detail).toMatch(/^missing_acknowledged=4 /);
    expect(step?.detail).toContain(
      `lost (--force): 0-*-${last.seq - 3n}..0-1-${last.seq} (4, held by db1 (old master))`,
    );
    const state = loadState();
    expect(state.mysql.master).toBe('db2');
    expect(state.mysql.fenced).toEqual(['db1']);
    expect(state.mysql.slaves).toEqual(['db3']);
    // The relay log was discarded with the promotion: the four rows it held are not on the new master.
    const db2Now = await MysqlSession.open(
      localInventory(state).mysql.master,
      localInventory(state).mysql.admin,
    );
    try {
      expect(await count(db2Now)).toBe(10);
      expect(await db2Now.value('SELECT @@GLOBAL.read_only')).toBe('0');
    } finally {
      db2Now.destroy();
    }
  }, 120_000);
});
