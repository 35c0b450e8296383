import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePorts } from '../../lib/net.ts';
import { StatusContext } from '../status/context.ts';
import { clickhouseRows } from '../status/services.ts';
import { appDataComponent } from './app-component.ts';
import { clickhouseComponent } from './clickhouse-component.ts';
import { localInventory } from './inventory.ts';
import { loadState } from './state.ts';
import { quietRun, startTestCluster, type TestCluster } from './testing.ts';

// The drill helper saw "0 users loaded" after `npm run up`: true, `up` seeded MySQL's demo users but
// only ever created ClickHouse's table. These run the app-data and ClickHouse components as `up` does,
// against real MariaDB and clickhouse-server.

let cluster: TestCluster;

beforeAll(async () => {
  cluster = await startTestCluster({ slaves: 1, mode: 'replicating' });
  process.env.LOCAL_CLICKHOUSE_PORT = String(await freePorts(2));
  const run = quietRun('up');
  await appDataComponent.up(run);
  await run.close();
}, 300_000);

afterAll(async () => {
  await clickhouseComponent.down(quietRun('down'), { wipe: true }).catch(() => {});
  await cluster?.stop();
});

async function up(): Promise<number> {
  const run = quietRun('up');
  try {
    await clickhouseComponent.up(run);
  } finally {
    await run.close();
  }
  return run.report().changed;
}

async function statusDetail(): Promise<string> {
  const context = new StatusContext(localInventory(loadState()));
  try {
    const [row] = await clickhouseRows(context);
    expect(row?.health).toBe('up');
    return row?.detail ?? '';
  } finally {
    await context.close();
  }
}

async function mysqlUsers(): Promise<number> {
  const db1 = await cluster.session('db1');
  return Number(await db1.value('SELECT COUNT(*) FROM app.`user`'));
}

describe('ClickHouse in the local environment', () => {
  it("holds MySQL's users after up, and status says so beside MySQL's count", async () => {
    const users = await mysqlUsers();
    expect(users).toBeGreaterThan(0);
    await up();
    expect(await statusDetail()).toBe(`${users.toLocaleString('en-US')} users loaded, as many as MySQL`);
  });

  it('changes nothing on a second up', async () => {
    expect(await up()).toBe(0);
  });

  it('status tells a stale copy from a full one, and the next up reloads it', async () => {
    const db1 = await cluster.session('db1');
    const before = await mysqlUsers();
    // A user with nothing attached (the demo users all have friends and posts).
    await db1.exec(
      "INSERT INTO app.`user` (first_name, second_name, email, password_hash) VALUES ('Stale', 'Copy', 'stale@example.test', 'x')",
    );
    expect(await statusDetail()).toMatch(
      new RegExp(
        `^${before.toLocaleString('en-US')} users loaded, MySQL has ${(before + 1).toLocaleString('en-US')}: a snapshot`,
      ),
    );
    expect(await up()).toBeGreaterThan(0);
    expect(await statusDetail()).toBe(
      `${(before + 1).toLocaleString('en-US')} users loaded, as many as MySQL`,
    );
  });
});
