#!/usr/bin/env zx
// Measures the ClickHouse load on this machine: a throwaway MariaDB and ClickHouse, N users (default
// 1,000,000), then the load run R times (default 3); prints rows per second for each run.
// usage: npx zx scripts/bench-clickhouse-load.mjs [--users 1000000] [--runs 3]
import './lib/typescript.mjs';

const { parseArgs } = await import('node:util');
const { values } = parseArgs({
  args: process.argv.slice(3),
  options: { users: { type: 'string', default: '1000000' }, runs: { type: 'string', default: '3' } },
});
const users = Number(values.users);
const runs = Number(values.runs);

const { startTestCluster, quietRun } = await import('../toolkit/local/testing.ts');
const { updateState } = await import('../toolkit/local/state.ts');
const { MysqlSession } = await import('../toolkit/mysql/session.ts');
const { createUserTable, insertUsers } = await import('../toolkit/tarantool/test-users.ts');
const { startTestClickHouse } = await import('../toolkit/clickhouse/testing.ts');
const { clickhouseLoadProcedure } = await import('../toolkit/clickhouse/user-load.ts');

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
  await createUserTable(master, 'app');
  let started = Date.now();
  await insertUsers(master, 'app', 1, users);
  console.log(
    `generated ${users.toLocaleString('en-US')} users in MariaDB in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  await master.close();
  // Where the time goes: MariaDB alone building the lines, MariaDB alone computing the checksum.
  const { exportLineSql, mysqlRowHashSql, userColumns } = await import(
    '../toolkit/clickhouse/user-columns.ts'
  );
  const { clientOptionFile, clientTool } = await import('../toolkit/mysql/client-tools.ts');
  const { resolveSecret } = await import('../toolkit/inventory/secrets.ts');
  const option = clientOptionFile(
    inventory.mysql.master,
    inventory.mysql.admin.user,
    resolveSecret(inventory.mysql.admin.password),
  );
  for (const [what, sql] of [
    ['MariaDB builds the lines (to /dev/null)', `SELECT ${exportLineSql(userColumns)} FROM app.user`],
    ['MariaDB computes the checksum', `SELECT COUNT(*), SUM(${mysqlRowHashSql(userColumns)}) FROM app.user`],
  ]) {
    started = Date.now();
    await $({
      input: sql,
    })`${clientTool()} --defaults-extra-file=${option.path} --batch --raw --skip-column-names --quick > /dev/null`;
    console.log(`${what}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  option.remove();
  let best = Number.POSITIVE_INFINITY;
  for (let i = 1; i <= runs; i++) {
    const run = quietRun('clickhouse-load');
    started = Date.now();
    // force: every run loads; otherwise the second finds ClickHouse already equal to MySQL and does nothing.
    await clickhouseLoadProcedure(run, inventory, { source: inventory.mysql.master.name, force: true });
    const seconds = (Date.now() - started) / 1000;
    best = Math.min(best, seconds);
    const load = run.report().steps.find((s) => s.name === 'export and load');
    console.log(
      `run ${i}: whole runbook ${seconds.toFixed(1)} s = ${Math.round(users / seconds).toLocaleString('en-US')} rows/s; export and load: ${load?.detail}`,
    );
    await run.close();
  }
  // The line scripts/bench.mjs reads: the fastest whole runbook of the runs.
  console.log(`clickhouse-load: ${users.toLocaleString('en-US')} rows in ${best.toFixed(1)} s`);
  console.log(
    `machine: ${os.cpus().length} cores, load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
} finally {
  await Promise.allSettled([clickhouse.stop(), cluster.stop()]);
}
