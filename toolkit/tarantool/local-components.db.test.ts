import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePorts } from '../../lib/net.ts';
import { clickhouseComponent } from '../local/clickhouse-component.ts';
import { loadState } from '../local/state.ts';
import { localStatus } from '../local/status.ts';
import { tarantoolComponent } from '../local/tarantool-component.ts';
import { quietRun, startTestCluster, type TestCluster } from '../local/testing.ts';
import { MysqlSession } from '../mysql/session.ts';
import { createUserTable, insertUsers } from './test-users.ts';

let cluster: TestCluster;

beforeAll(async () => {
  const ports = await freePorts(3);
  process.env.LOCAL_TARANTOOL_PORT = String(ports);
  process.env.LOCAL_CLICKHOUSE_PORT = String(ports + 1);
  cluster = await startTestCluster({ slaves: 1 });
  const inventory = cluster.inventory();
  const master = await MysqlSession.open(inventory.mysql.master, inventory.mysql.admin);
  await createUserTable(master, 'app');
  await insertUsers(master, 'app', 1, 1_000);
  await master.close();
}, 240_000);

afterAll(async () => {
  await tarantoolComponent.down(quietRun(), { wipe: true }).catch(() => {});
  await clickhouseComponent.down(quietRun(), { wipe: true }).catch(() => {});
  await cluster?.stop();
}, 120_000);

describe('local environment components', () => {
  it('up starts Tarantool, the replicator and ClickHouse, and a second up changes nothing', async () => {
    const run = quietRun('up');
    await tarantoolComponent.up(run);
    await clickhouseComponent.up(run);
    const steps = run.report().steps;
    expect(steps.find((s) => s.name === 'caught up')?.detail).toMatch(/^caught up/);
    expect(steps.filter((s) => s.host === 'clickhouse' && s.name === 'schema')[0]?.status).toBe('changed');
    expect(loadState().services.tarantool?.owned).toBe(true);
    expect(loadState().services.clickhouse?.owned).toBe(true);

    const again = quietRun('up');
    await tarantoolComponent.up(again);
    await clickhouseComponent.up(again);
    expect(again.report().changed).toBe(0);
  }, 240_000);

  it('status reports the replica caught up with 1,000 users and ClickHouse up', async () => {
    const rows = await localStatus(['tarantool', 'clickhouse']);
    expect(rows.map((r) => [r.name, r.health])).toEqual([
      ['tarantool', 'up'],
      ['replicator', 'up'],
      ['clickhouse', 'up'],
    ]);
    expect(rows[0]!.detail).toMatch(/1000 users/);
    expect(rows[1]!.detail).toMatch(/caught up/);
  });

  it('down stops everything it started', async () => {
    const run = quietRun('down');
    await tarantoolComponent.down(run, { wipe: false });
    await clickhouseComponent.down(run, { wipe: false });
    expect(run.report().steps.map((s) => [s.host, s.status])).toEqual([
      ['replicator', 'changed'],
      ['tarantool', 'changed'],
      ['clickhouse', 'changed'],
    ]);
    const rows = await localStatus(['tarantool', 'clickhouse']);
    expect(rows.every((r) => r.health === 'down')).toBe(true);
  }, 120_000);
});
