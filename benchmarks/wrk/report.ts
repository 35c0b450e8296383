import { mkdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { generateTargets } from '../../toolkit/app/generate-runbook.ts';
import { repoRoot } from '../../toolkit/inventory/paths.ts';
import type { Inventory } from '../../toolkit/inventory/schema.ts';
import { resolveSecret } from '../../toolkit/inventory/secrets.ts';
import type { Run } from '../../toolkit/procedure/run.ts';
import { tarantoolAppCredential } from '../../toolkit/tarantool/credentials.ts';
import type { BenchResults } from './bench.ts';
import { searchPrefixes, writePrefixFile } from './prefixes.ts';
import type { ReportContext, WrkReportOptions } from './report/context.ts';
import { explainStep } from './report/explain-step.ts';
import { localMysqlPids, machineInfo } from './report/machine.ts';
import { checkWrk, countUsers, prepareData } from './report/prepare.ts';
import { runSeries } from './report/series-step.ts';
import { writeReport } from './report/write.ts';
import type { ReportData } from './report-data.ts';
import { withoutSearchIndex } from './search-index.ts';
import { foldRounds, planSeries } from './series.ts';

export type { WrkReportOptions };
export { writeReport };

/**
 * The app's switch to Tarantool search (app/src/search/tarantool-search.ts, being built): the names
 * the series sets. The series runs only when the inventory has Tarantool and the app's config reads
 * the switch.
 */
export function tarantoolSearchEnv(inventory: Inventory): Record<string, string> | undefined {
  const t = inventory.tarantool;
  if (!t) return undefined;
  const credential = tarantoolAppCredential(inventory);
  return {
    SEARCH_BACKEND: 'tarantool',
    TARANTOOL_HOST: t.host,
    TARANTOOL_PORT: String(t.port),
    TARANTOOL_USER: credential.user,
    TARANTOOL_PASSWORD: resolveSecret(credential.password),
  };
}

function appReadsSwitch(name: string): boolean {
  try {
    return readFileSync(resolve(repoRoot, 'app/src/platform/config.ts'), 'utf8').includes(`'${name}'`);
  } catch {
    return false;
  }
}

const stamp = (d: Date): string => d.toISOString().slice(0, 19).replaceAll(':', '-');

/**
 * The WRK report: users topped up, the search index checked (restored if an earlier run left it
 * dropped), EXPLAIN and the real scan cost of the search, then every series at every connection
 * count (wrk against our own app instances, and the DB-alone tool in the same run), once with the
 * index and once without; results.json, summary.md, charts and raw outputs in one folder.
 * Each phase is its own file under report/.
 */
export async function wrkReportProcedure(
  run: Run,
  inventory: Inventory,
  options: WrkReportOptions,
): Promise<{ dir: string; data?: ReportData }> {
  const started = new Date();
  const dir = resolve(
    options.outDir ?? join(repoRoot, 'reports/wrk', `${stamp(started)}${options.quick ? '-quick' : ''}`),
  );
  await checkWrk(run);
  const { before, generateSeconds } = await prepareData(run, inventory, options.users);

  const tarantoolReady = inventory.tarantool !== undefined && appReadsSwitch('SEARCH_BACKEND');
  const front = (inventory.app?.instances?.length ?? 0) > 0;
  const plan = planSeries({
    tarantool: tarantoolReady,
    front,
    baseline: options.baseline !== undefined,
    only: options.series,
  });
  const notes: string[] = [];
  if (options.baseline !== undefined)
    notes.push(`"app before (baseline)" runs the app of ${baselineName(options.baseline)}.`);
  if (!front)
    notes.push(
      "No series through nginx: the inventory's app has no instances behind a front (inventory app.instances).",
    );
  if (!inventory.tarantool) notes.push('No Tarantool series: the inventory has no Tarantool.');
  else if (!tarantoolReady)
    notes.push(
      "No Tarantool series: the app's config does not read SEARCH_BACKEND yet (app/src/platform/config.ts).",
    );
  const points =
    (plan.filter((s) => s.index).length * (options.rounds ?? 1) + plan.filter((s) => !s.index).length) *
    options.connections.length;
  if (run.dryRun) {
    await run.action(
      'series',
      'localhost',
      `${plan.map((s) => s.id).join(', ')} at ${options.connections.join(', ')} connections, ${options.durationS} s each (${points} points) into ${dir}`,
      async () => undefined,
    );
    return { dir };
  }

  const raw = join(dir, 'raw');
  mkdirSync(raw, { recursive: true });
  const userCount = await countUsers(inventory);
  const data: ReportData = {
    version: 1,
    startedAt: started.toISOString(),
    command: options.command,
    env: run.env,
    machine: await machineInfo(inventory),
    settings: {
      users: options.users,
      durationS: options.durationS,
      connections: options.connections,
      limit: options.limit,
      timeoutS: options.timeoutS,
      prefixes: options.prefixCount,
      prefixSeed: options.prefixSeed,
      dbMaxConnections: options.dbMaxConnections,
      appPoolSize: options.appPoolSize,
      appLogLevel: options.appLogLevel,
      quick: options.quick,
    },
    users: {
      count: userCount,
      generated: userCount > before ? { added: userCount - before, seconds: generateSeconds } : undefined,
    },
    benchmarks: options.benchmarksFile
      ? (JSON.parse(readFileSync(options.benchmarksFile, 'utf8')) as BenchResults)
      : undefined,
    queryCosts: [],
    series: [],
    notes,
  };
  const prefixes = searchPrefixes({ count: options.prefixCount, seed: options.prefixSeed });
  const prefixFile = join(raw, 'prefixes.txt');
  writePrefixFile(prefixFile, prefixes, options.limit);
  const mysqlPids = run.env === 'local' ? localMysqlPids() : [];
  if (mysqlPids.length === 0)
    notes.push("MySQL's CPU use is not shown: its processes are not on this machine's local environment.");
  const ctx: ReportContext = {
    run,
    inventory,
    options,
    dir,
    raw,
    data,
    prefixes,
    prefixFile,
    mysql: mysqlTargets(inventory),
    mysqlPids,
    tarantoolEnv: tarantoolReady ? tarantoolSearchEnv(inventory) : undefined,
    meter: run.meter('points', points, 'points'),
  };

  await explainStep(ctx, true);
  // Every round runs every series once: the machine's load, which moves, falls on all of them alike.
  for (let round = 0; round < (options.rounds ?? 1); round++)
    for (const spec of plan.filter((s) => s.index)) await runSeries(ctx, spec);
  data.series = foldRounds(data.series);
  const noIndex = plan.filter((s) => !s.index);
  if (noIndex.length)
    await withoutSearchIndex(run, inventory, async () => {
      await explainStep(ctx, false);
      for (const spec of noIndex) await runSeries(ctx, spec);
    });

  data.finishedAt = new Date().toISOString();
  data.machine.loadAfter = loadavg()[0] ?? 0;
  writeReport(dir, data);
  await run.verify('report', 'localhost', async () => `${join(dir, 'summary.md')}`);
  return { dir, data };
}

/** The baseline checkout as the report names it: its commit (a BASELINE_COMMIT file, or git), else its path. */
function baselineName(dir: string): string {
  try {
    return `commit ${readFileSync(join(dir, 'BASELINE_COMMIT'), 'utf8').trim().slice(0, 12)}`;
  } catch {
    return dir;
  }
}

function mysqlTargets(inventory: Inventory): ReportContext['mysql'] {
  const master = generateTargets(inventory).master;
  return {
    master,
    slaves: inventory.mysql.slaves.map((s) => ({ ...master, host: s.host, port: s.port })),
  };
}
