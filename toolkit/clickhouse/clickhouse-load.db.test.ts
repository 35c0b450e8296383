import { readFileSync } from 'node:fs';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../lib/poll.ts';
import { repoRoot } from '../inventory/paths.ts';
import type { Inventory } from '../inventory/schema.ts';
import { updateState } from '../local/state.ts';
import { runRunbook, startTestCluster, type TestCluster } from '../local/testing.ts';
import { MysqlSession } from '../mysql/session.ts';
import { createUserTable, insertUsers } from '../tarantool/test-users.ts';
import { usersByAgeAndGender, usersByCity } from './analytics.ts';
import { loadMetricsFile } from './load-metrics.ts';
import { startTestClickHouse, type TestClickHouse } from './testing.ts';
import { clickhouseChecksumSql, userColumns } from './user-columns.ts';

let cluster: TestCluster;
let clickhouse: TestClickHouse;
let inventory: Inventory;
let master: MysqlSession;

const checksum = async (table = 'user') =>
  (
    await clickhouse.client.row(
      `SELECT count(), ${clickhouseChecksumSql(userColumns)} FROM default.\`${table}\``,
    )
  ).join(' ');
const tables = async () =>
  (await clickhouse.client.rows("SELECT name FROM system.tables WHERE database = 'default'")).map(
    (r) => r[0],
  );
const load = (...extra: string[]) =>
  runRunbook('clickhouse-load', ['--source', 'db1', '--json', ...extra], cluster.env);

beforeAll(async () => {
  [cluster, clickhouse] = await Promise.all([
    startTestCluster({ slaves: 1, mode: 'bare' }),
    startTestClickHouse(),
  ]);
  inventory = cluster.inventory();
  updateState((state) => {
    state.services.clickhouse = { host: clickhouse.host, port: clickhouse.httpPort, owned: false };
  });
  master = await MysqlSession.open(inventory.mysql.master, inventory.mysql.admin);
  await createUserTable(master, 'app');
  await insertUsers(master, 'app', 1, 1_000_000);
}, 300_000);

afterAll(async () => {
  await master?.close();
  await Promise.allSettled([clickhouse?.stop(), cluster?.stop()]);
}, 120_000);

describe('clickhouse-load on real ClickHouse 18.16 and MariaDB', () => {
  it('loads 1,000,000 users, verified by row count and checksum against MySQL', async () => {
    const result = await load();
    expect(result.code, result.stderr).toBe(0);
    const steps = result.report!.steps;
    process.stdout.write(`first load: ${steps.find((s) => s.name === 'export and load')!.detail}\n`);
    expect(steps.map((s) => [s.name, s.status])).toEqual([
      ['clickhouse', 'ok'],
      ['compare with MySQL', 'ok'],
      ['staging table', 'changed'],
      ['export and load', 'changed'],
      ['row count and checksum', 'ok'],
      ['swap', 'changed'],
      ['loaded', 'ok'],
    ]);
    expect(steps.find((s) => s.name === 'clickhouse')!.detail).toMatch(/RENAME TABLE/);
    const [count] = await clickhouse.client.row('SELECT count() FROM default.user');
    expect(count).toBe('1000000');
    expect(await tables()).toEqual(['user']);
  }, 240_000);

  it('keeps quotes, tabs, newlines, backslashes, Cyrillic and NULLs exactly', async () => {
    const ids = Array.from({ length: 90 }, (_, i) => i + 1);
    const columns = 'id, first_name, second_name, birthdate, gender, biography, city, email';
    const mine = await master.query(
      `SELECT ${columns}, DATE_FORMAT(created_at, '%Y-%m-%d %H:%i:%s') AS created FROM app.user WHERE id <= 90 ORDER BY id`,
    );
    const theirs = await clickhouse.client.rows(
      `SELECT ${columns}, toString(created_at) FROM default.user WHERE id <= 90 ORDER BY id`,
    );
    const asText = (v: unknown) => (v === null ? '\\N' : String(v));
    expect(theirs.map((r) => r.map((v) => (v === 'N' ? '\\N' : v)))).toEqual(
      mine.map((r) => Object.values(r).map(asText)),
    );
    const names = theirs.map((r) => `${r[1]} ${r[2]}`).join('|');
    for (const fragment of [
      "O'Neil",
      'Back\\slash',
      'Tab\tName',
      'Line\nBreak',
      'Smith "Q"',
      'Ёлка',
      'Öström',
      'Car\rReturn',
      'Nul\0Byte',
    ])
      expect(names).toContain(fragment);
    expect(ids).toHaveLength(90);
  });

  it("answers the analytics queries with MySQL's numbers", async () => {
    const byGender = new Map<string, number>();
    for (const r of await usersByAgeAndGender(clickhouse.client))
      byGender.set(r.gender, (byGender.get(r.gender) ?? 0) + r.users);
    const mine = await master.query(
      "SELECT IFNULL(gender, 'unknown') AS g, COUNT(*) AS n FROM app.user WHERE birthdate IS NOT NULL GROUP BY g",
    );
    expect(Object.fromEntries(byGender)).toEqual(Object.fromEntries(mine.map((r) => [r.g, Number(r.n)])));
    const cities = await usersByCity(clickhouse.client, 3);
    const myCities = await master.query(
      "SELECT IFNULL(city, '') AS c, COUNT(*) AS n FROM app.user WHERE birthdate IS NOT NULL GROUP BY c ORDER BY n DESC, c LIMIT 3",
    );
    expect(cities.map((c) => [c.city === '(none)' ? '' : c.city, c.users])).toEqual(
      myCities.map((r) => [r.c, Number(r.n)]),
    );
    expect(cities.every((c) => c.averageAge > 0 && c.averageAge < 120)).toBe(true);
  });

  it('changes nothing on a second run, and --force reloads exactly the same rows', async () => {
    const before = await checksum();
    const second = await load();
    expect(second.code, second.stderr).toBe(0);
    expect(second.report?.changed).toBe(0);
    // An unchanged table is a successful run too, for the textfile Prometheus reads.
    const metrics = readFileSync(loadMetricsFile(cluster.stateDir), 'utf8');
    expect(metrics).toMatch(/^clickhouse_load_rows 1000000$/m);
    expect(metrics).toMatch(/^clickhouse_load_last_run_success 1$/m);
    expect(second.report?.steps.find((s) => s.name === 'compare with MySQL')?.detail).toMatch(
      /already holds MySQL's 1,000,000 rows/,
    );
    expect(await checksum()).toBe(before);
    const forced = await load('--force');
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.report?.steps.find((s) => s.name === 'swap')?.status).toBe('changed');
    expect(await checksum()).toBe(before);
    expect(before.startsWith('1000000 ')).toBe(true);
    expect(await tables()).toEqual(['user']);
  }, 240_000);

  it('leaves the previous table intact when a load is killed halfway, and the next run completes', async () => {
    const before = await checksum();
    await insertUsers(master, 'app', 2_000_001, 1_000);
    const child = execa('npx', ['zx', 'scripts/clickhouse-load.mjs', '--source', 'db1', '--json'], {
      cwd: repoRoot,
      env: { ...cluster.env, CI: 'true' },
      reject: false,
      detached: true,
    });
    const staging = await waitFor(
      async () => {
        const name = (await tables()).find((t) => t?.startsWith('user_load_'));
        if (!name) return undefined;
        const [rows] = await clickhouse.client.row(`SELECT count() FROM default.\`${name}\``);
        return Number(rows) > 0 ? name : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 20, what: 'the load to be halfway' },
    );
    process.kill(-child.pid!, 'SIGKILL');
    await child;
    const [partial] = await clickhouse.client.row(`SELECT count() FROM default.\`${staging}\``);
    expect(Number(partial)).toBeLessThan(1_001_000);
    expect(await checksum()).toBe(before);

    const result = await load();
    expect(result.code, result.stderr).toBe(0);
    expect(result.report!.steps.find((s) => s.name === 'staging table')!.detail).toMatch(
      /dropped 1 left by killed runs/,
    );
    const [count] = await clickhouse.client.row('SELECT count() FROM default.user');
    expect(count).toBe('1001000');
    expect(await tables()).toEqual(['user']);
  }, 300_000);
});
