import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { startTestClickHouse } from '../../toolkit/clickhouse/testing.ts';
import { exportLineSql, mysqlRowHashSql, userColumns } from '../../toolkit/clickhouse/user-columns.ts';
import { clickhouseLoadProcedure } from '../../toolkit/clickhouse/user-load.ts';
import type { Inventory } from '../../toolkit/inventory/schema.ts';
import { resolveSecret } from '../../toolkit/inventory/secrets.ts';
import { updateState } from '../../toolkit/local/state.ts';
import { quietRun, startTestCluster } from '../../toolkit/local/testing.ts';
import { clientOptionFile, clientTool } from '../../toolkit/mysql/client-tools.ts';
import { MysqlSession } from '../../toolkit/mysql/session.ts';
import { UsageError } from '../../toolkit/procedure/errors.ts';
import { createUserTable, insertUsers } from '../../toolkit/tarantool/test-users.ts';

export interface ClickhouseLoadBenchOptions {
  users: number;
  runs: number;
}

/** `--users N --runs R` (defaults 1,000,000 and 3); anything else is a UsageError. */
export function clickhouseLoadBenchArgs(words: string[]): ClickhouseLoadBenchOptions {
  const { values } = parseArgs({
    args: words,
    options: { users: { type: 'string', default: '1000000' }, runs: { type: 'string', default: '3' } },
  });
  const count = (flag: string, text: string): number => {
    const n = Number(text.replaceAll('_', ''));
    if (!Number.isInteger(n) || n < 1)
      throw new UsageError(`--${flag}: expected a positive integer, got '${text}'`);
    return n;
  };
  return { users: count('users', values.users), runs: count('runs', values.runs) };
}

const seconds = (since: number): number => (Date.now() - since) / 1000;

/** Where the time goes besides the load itself: MariaDB alone building the lines, and computing the checksum. */
async function timeMariadbAlone(inventory: Inventory): Promise<void> {
  const { master, admin } = inventory.mysql;
  const option = clientOptionFile(master, admin.user, resolveSecret(admin.password));
  try {
    for (const [what, sql] of [
      ['MariaDB builds the lines (to /dev/null)', `SELECT ${exportLineSql(userColumns)} FROM app.user`],
      [
        'MariaDB computes the checksum',
        `SELECT COUNT(*), SUM(${mysqlRowHashSql(userColumns)}) FROM app.user`,
      ],
    ] as const) {
      const started = Date.now();
      await execa(
        clientTool(),
        [`--defaults-extra-file=${option.path}`, '--batch', '--raw', '--skip-column-names', '--quick'],
        { input: sql, stdout: 'ignore' },
      );
      console.log(`${what}: ${seconds(started).toFixed(1)} s`);
    }
  } finally {
    option.remove();
  }
}

/** The whole clickhouse-load runbook `runs` times (forced: a second run would otherwise find nothing to do). */
async function timeLoads(inventory: Inventory, { users, runs }: ClickhouseLoadBenchOptions): Promise<number> {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 1; i <= runs; i++) {
    const run = quietRun('clickhouse-load');
    const started = Date.now();
    await clickhouseLoadProcedure(run, inventory, { source: inventory.mysql.master.name, force: true });
    const took = seconds(started);
    best = Math.min(best, took);
    const load = run.report().steps.find((s) => s.name === 'export and load');
    console.log(
      `run ${i}: whole runbook ${took.toFixed(1)} s = ${Math.round(users / took).toLocaleString('en-US')} rows/s; export and load: ${load?.detail}`,
    );
    await run.close();
  }
  return best;
}

/**
 * Measures the ClickHouse load on this machine: a throwaway MariaDB and ClickHouse, `users` users, the load
 * run `runs` times; prints each run's rows per second and, last, the line benchmarks/wrk/bench.ts parses
 * (`clickhouse-load: N rows in S s`, the fastest run). Prints numbers; asserts nothing.
 */
export async function benchClickhouseLoad(options: ClickhouseLoadBenchOptions): Promise<void> {
  const [cluster, clickhouse] = await Promise.all([
    startTestCluster({ slaves: 1, mode: 'bare' }),
    startTestClickHouse(),
  ]);
  try {
    updateState((state) => {
      state.services.clickhouse = { host: clickhouse.host, port: clickhouse.httpPort, owned: false };
    });
    const inventory = cluster.inventory();
    const master = await MysqlSession.open(inventory.mysql.master, inventory.mysql.admin);
    const started = Date.now();
    try {
      await createUserTable(master, 'app');
      await insertUsers(master, 'app', 1, options.users);
    } finally {
      await master.close();
    }
    console.log(
      `generated ${options.users.toLocaleString('en-US')} users in MariaDB in ${seconds(started).toFixed(1)} s`,
    );
    await timeMariadbAlone(inventory);
    const best = await timeLoads(inventory, options);
    console.log(`clickhouse-load: ${options.users.toLocaleString('en-US')} rows in ${best.toFixed(1)} s`);
    const load = loadavg().map((l) => l.toFixed(1));
    console.log(`machine: ${cpus().length} cores, load average ${load.join(' ')}`);
  } finally {
    await Promise.allSettled([clickhouse.stop(), cluster.stop()]);
  }
}

/** The script's main: bad words are one line on stderr and exit code 2, nothing started. */
export async function clickhouseLoadBenchMain(words: string[]): Promise<number> {
  let options: ClickhouseLoadBenchOptions;
  try {
    options = clickhouseLoadBenchArgs(words);
  } catch (error) {
    console.error(`bench-clickhouse-load: ${(error as Error).message}`);
    return 2;
  }
  await benchClickhouseLoad(options);
  return 0;
}
