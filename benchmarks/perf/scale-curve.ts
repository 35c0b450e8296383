import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { generateTargets } from '../../toolkit/app/generate-runbook.ts';
import { repoRoot } from '../../toolkit/inventory/paths.ts';
import type { Inventory } from '../../toolkit/inventory/schema.ts';
import { MysqlSession } from '../../toolkit/mysql/session.ts';
import type { Run } from '../../toolkit/procedure/run.ts';
import { explainSearch, type ScanCost } from '../wrk/explain.ts';
import { searchPrefixes, writePrefixFile } from '../wrk/prefixes.ts';
import type { ReportContext } from '../wrk/report/context.ts';
import { localMysqlPids, machineInfo } from '../wrk/report/machine.ts';
import { checkWrk, countUsers, topUpUsers } from '../wrk/report/prepare.ts';
import { runSeries } from '../wrk/report/series-step.ts';
import type { ReportData } from '../wrk/report-data.ts';
import type { SeriesSpec } from '../wrk/series.ts';
import { type CurveData, type CurveStep, curveCharts, curveMarkdown } from './scale-curve-render.ts';

export interface ScaleCurveOptions {
  /** User counts to measure at, ascending; the table is topped up to each in turn. */
  sizes: number[];
  connections: number;
  durationS: number;
  limit: number;
  timeoutS: number;
  appPoolSize: number;
  dbMaxConnections: number;
  outDir?: string;
  command: string;
}

/** The series of one step: each query shape straight to MySQL, and the app forced to each shape and on its own choice. */
export function curveSeries(): SeriesSpec[] {
  const base = { reads: 'master', index: true, backend: 'mysql' } as const;
  return [
    { ...base, id: 'db-single', label: 'MySQL alone, single statement', driver: 'db', shape: 'single' },
    { ...base, id: 'db-expanded', label: 'MySQL alone, expanded query', driver: 'db', shape: 'expanded' },
    {
      ...base,
      id: 'app-single',
      label: 'app, SEARCH_SHAPE=single',
      driver: 'app',
      shape: 'single',
      appEnv: { SEARCH_SHAPE: 'single' },
    },
    {
      ...base,
      id: 'app-expanded',
      label: 'app, SEARCH_SHAPE=expanded',
      driver: 'app',
      shape: 'expanded',
      appEnv: { SEARCH_SHAPE: 'expanded' },
    },
    {
      ...base,
      id: 'app-auto',
      label: 'app, its own choice (SEARCH_SHAPE=auto)',
      driver: 'app',
      shape: 'app',
      appEnv: { SEARCH_SHAPE: 'auto' },
    },
  ];
}

const stamp = (d: Date): string => d.toISOString().slice(0, 19).replaceAll(':', '-');

async function diskReads(inventory: Inventory): Promise<number> {
  const s = await MysqlSession.open(inventory.mysql.master, inventory.mysql.admin, { timeoutMs: 5000 });
  try {
    const rows = await s.query("SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_reads'");
    return Number(rows[0]?.Value ?? 0);
  } finally {
    await s.close();
  }
}

/**
 * The search's cost curve: for each size, the user table topped up (users only: friendships, posts
 * and dialogs stay as they are), timed; what each shape examines and reads from disk per search;
 * then each shape straight to MySQL and through the app at one connection count, on the master,
 * with the buffer pool as configured. Written after every step, so an interrupted run keeps what it
 * measured: reports/perf/<timestamp>-scale/.
 */
export async function scaleCurveProcedure(run: Run, inventory: Inventory, options: ScaleCurveOptions) {
  const started = new Date();
  const dir = resolve(options.outDir ?? join(repoRoot, 'reports/perf', `${stamp(started)}-scale`));
  await checkWrk(run);
  if (run.dryRun) {
    await run.action(
      'curve',
      'localhost',
      `${options.sizes.join(', ')} users into ${dir}`,
      async () => undefined,
    );
    return { dir };
  }
  const raw = join(dir, 'raw');
  mkdirSync(raw, { recursive: true });
  const prefixes = searchPrefixes({ count: 2000, seed: 1 });
  const prefixFile = join(raw, 'prefixes.txt');
  writePrefixFile(prefixFile, prefixes, options.limit);
  const curve: CurveData = {
    startedAt: started.toISOString(),
    command: options.command,
    machine: await machineInfo(inventory),
    bufferPool: await bufferPoolSize(inventory),
    connections: options.connections,
    durationS: options.durationS,
    steps: [],
  };
  const master = generateTargets(inventory).master;
  for (const size of options.sizes) {
    const { before, generateSeconds } = await topUpUsers(run, inventory, generateTargets(inventory), size, {
      friendsPerUser: 0,
      postsPerUser: 0,
      dialogsPerUser: 0,
    });
    const users = await countUsers(inventory);
    const step: CurveStep = {
      users,
      generated: users > before ? { added: users - before, seconds: generateSeconds } : undefined,
      loadBefore: loadavg()[0] ?? 0,
      costs: [],
      series: [],
      diskReadsPerRequest: {},
    };
    curve.steps.push(step);
    await run.step(
      `query costs at ${users.toLocaleString('en-US')}`,
      inventory.mysql.master.name,
      async () => {
        step.costs = (
          await explainSearch(inventory, prefixes, options.limit, 200, ['single', 'expanded'])
        ).costs;
        return { status: 'ok', detail: step.costs.map(costSummary).join('; ') };
      },
    );
    const data: ReportData = {
      version: 1,
      startedAt: new Date().toISOString(),
      command: options.command,
      env: run.env,
      machine: curve.machine,
      settings: {
        users: size,
        durationS: options.durationS,
        connections: [options.connections],
        limit: options.limit,
        timeoutS: options.timeoutS,
        prefixes: prefixes.length,
        prefixSeed: 1,
        dbMaxConnections: options.dbMaxConnections,
        appPoolSize: options.appPoolSize,
        appLogLevel: 'warn',
        quick: false,
      },
      users: { count: users },
      queryCosts: [],
      series: [],
      notes: [],
    };
    const stepRaw = join(raw, String(size));
    mkdirSync(stepRaw, { recursive: true });
    const ctx: ReportContext = {
      run,
      inventory,
      options: {
        users: size,
        durationS: options.durationS,
        connections: [options.connections],
        quick: false,
        limit: options.limit,
        timeoutS: options.timeoutS,
        prefixCount: prefixes.length,
        prefixSeed: 1,
        dbMaxConnections: options.dbMaxConnections,
        appPoolSize: options.appPoolSize,
        appLogLevel: 'warn',
        command: options.command,
      },
      dir,
      raw: stepRaw,
      data,
      prefixes,
      prefixFile,
      mysql: { master, slaves: [] },
      mysqlPids: run.env === 'local' ? localMysqlPids() : [],
      tarantoolEnv: undefined,
      meter: { advance: () => {} },
    };
    for (const spec of curveSeries()) {
      const reads0 = await diskReads(inventory);
      await runSeries(ctx, spec);
      const requests = data.series.at(-1)?.points[0]?.result?.requests ?? 0;
      step.diskReadsPerRequest[spec.id] = requests ? ((await diskReads(inventory)) - reads0) / requests : 0;
    }
    step.series = data.series;
    step.loadAfter = loadavg()[0] ?? 0;
    writeCurve(dir, curve);
  }
  curve.finishedAt = new Date().toISOString();
  writeCurve(dir, curve);
  await run.verify('report', 'localhost', async () => join(dir, 'summary.md'));
  return { dir };
}

function writeCurve(dir: string, curve: CurveData): void {
  writeFileSync(join(dir, 'results.json'), `${JSON.stringify(curve, null, 2)}\n`);
  for (const [name, svg] of Object.entries(curveCharts(curve))) writeFileSync(join(dir, name), svg);
  writeFileSync(join(dir, 'summary.md'), curveMarkdown(curve));
}

async function bufferPoolSize(inventory: Inventory): Promise<number> {
  const s = await MysqlSession.open(inventory.mysql.master, inventory.mysql.admin, { timeoutMs: 5000 });
  try {
    return Number(await s.value('SELECT @@innodb_buffer_pool_size'));
  } finally {
    await s.close();
  }
}

function costSummary(c: ScanCost): string {
  return `${c.shape}: median ${c.medianExamined} examined, ${(c.diskReadsPerSearch ?? 0).toFixed(2)} disk reads per search`;
}
