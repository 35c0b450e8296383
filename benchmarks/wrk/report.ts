import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import type { MysqlTarget } from '../../app/src/ops.ts';
import { waitFor } from '../../lib/poll.ts';
import { generateProcedure } from '../../toolkit/app/generate-procedure.ts';
import { defaultGeneratedPassword, generateTargets } from '../../toolkit/app/generate-runbook.ts';
import { repoRoot } from '../../toolkit/inventory/paths.ts';
import type { Inventory } from '../../toolkit/inventory/schema.ts';
import { resolveSecret } from '../../toolkit/inventory/secrets.ts';
import { loadState } from '../../toolkit/local/state.ts';
import { MysqlSession } from '../../toolkit/mysql/session.ts';
import { ToolkitError } from '../../toolkit/procedure/errors.ts';
import type { Run } from '../../toolkit/procedure/run.ts';
import { tarantoolAppCredential } from '../../toolkit/tarantool/credentials.ts';
import { type AppProcess, startAppProcess } from './app-process.ts';
import type { BenchResults } from './bench.ts';
import { CpuSampler } from './cpu.ts';
import { runDbLoad } from './db-load.ts';
import { type ExplainReport, explainSearch } from './explain.ts';
import { charts, renderSummary } from './markdown.ts';
import { searchPrefixes, writePrefixFile } from './prefixes.ts';
import type { MachineInfo, ReportData } from './report-data.ts';
import { totalErrors } from './results.ts';
import { ensureSearchIndex, withoutSearchIndex } from './search-index.ts';
import { queryShapes } from './search-query.ts';
import { type PointRecord, planSeries, type SeriesResult, type SeriesSpec } from './series.ts';
import { parseWrkOutput } from './wrk-output.ts';
import { runWrk } from './wrk-runner.ts';

export interface WrkReportOptions {
  users: number;
  durationS: number;
  connections: number[];
  quick: boolean;
  limit: number;
  timeoutS: number;
  prefixCount: number;
  prefixSeed: number;
  dbMaxConnections: number;
  appPoolSize: number;
  appLogLevel: string;
  /** Where the report goes; default reports/wrk/<timestamp>[-quick]. */
  outDir?: string;
  rabbitmqPrefix?: string;
  /** results of scripts/bench.mjs to include. */
  benchmarksFile?: string;
  /** The command line, as the report shows it. */
  command: string;
}

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

/** The local environment's mysqld/mariadbd pids (all nodes), when every one is alive and is one. */
function localMysqlPids(): number[] {
  const pids = loadState().mysql.nodes.map((n) => n.pid);
  const isServer = (pid: number | undefined): pid is number => {
    if (!pid) return false;
    try {
      return /mariadbd|mysqld/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
    } catch {
      return false;
    }
  };
  return pids.every(isServer) ? (pids as number[]) : [];
}

const stamp = (d: Date): string => d.toISOString().slice(0, 19).replaceAll(':', '-');

async function machineInfo(inventory: Inventory): Promise<MachineInfo> {
  const wrk = await execa('wrk', ['-v'], { reject: false });
  const wrkVersion = /wrk\s+(\S+)/.exec(`${wrk.stdout}`)?.[0] ?? 'wrk (version unknown)';
  let os = 'unknown OS';
  try {
    os = /PRETTY_NAME="([^"]+)"/.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? os;
  } catch {
    // Not Linux: the OS stays unnamed.
  }
  const session = await MysqlSession.open(inventory.mysql.master, inventory.mysql.admin, { timeoutMs: 5000 });
  const mysql = String(await session.value('SELECT VERSION()').finally(() => session.close()));
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown CPU',
    memoryGiB: totalmem() / 2 ** 30,
    os,
    node: process.versions.node,
    wrk: wrkVersion,
    mysql: `MySQL server ${mysql}`,
    loadBefore: loadavg()[0] ?? 0,
  };
}

function mysqlTargets(inventory: Inventory): { master: MysqlTarget; slaves: MysqlTarget[] } {
  const master = generateTargets(inventory).master;
  return {
    master,
    slaves: inventory.mysql.slaves.map((s) => ({ ...master, host: s.host, port: s.port })),
  };
}

/** Waits until no search statement of the app's user still runs anywhere (the no-index series leave some behind). */
async function quiesce(inventory: Inventory, deadlineMs: number): Promise<string | undefined> {
  const nodes = [inventory.mysql.master, ...inventory.mysql.slaves];
  try {
    await waitFor(
      async (why) => {
        let running = 0;
        for (const node of nodes) {
          const session = await MysqlSession.open(node, inventory.mysql.admin, { timeoutMs: 5000 });
          try {
            running += Number(
              await session.value(
                "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE COMMAND = 'Query' AND USER = ? AND INFO LIKE '%first_name%LIKE%'",
                [inventory.mysql.app.user],
              ),
            );
          } finally {
            await session.close();
          }
        }
        why(`${running} searches still running`);
        return running === 0 ? true : undefined;
      },
      { timeoutMs: deadlineMs, intervalMs: 500, what: 'the searches left behind to finish' },
    );
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

function pointSummary(p: PointRecord): string {
  if (!p.result) return `${p.connections}: failed (${p.failure})`;
  const e = totalErrors(p.result.errors);
  return `${p.connections}: ${Math.round(p.result.rps)} req/s p99 ${p.result.p99Ms.toFixed(1)} ms${e ? ` ${e} errors` : ''}`;
}

/**
 * The WRK report: users topped up, the search index checked (restored if an earlier run left it
 * dropped), EXPLAIN and the real scan cost of the search, then every series at every connection
 * count (wrk against our own app instances, and the DB-alone tool in the same run), once with the
 * index and once without; results.json, summary.md, charts and raw outputs in one folder.
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
  const raw = join(dir, 'raw');
  const master = inventory.mysql.master;

  await run.check('wrk', 'localhost', async () => {
    const r = await execa('wrk', ['-v'], { reject: false });
    const version = /wrk\s+\S+/.exec(r.stdout)?.[0];
    if (!version) throw new ToolkitError('wrk is not installed: apt-get install wrk');
    return version;
  });

  // Users: the generator's own top-up (the same code as scripts/generate-users.mjs), timed.
  const targets = generateTargets(inventory);
  const countUsers = async (): Promise<number> => {
    const s = await MysqlSession.open(master, inventory.mysql.admin, { timeoutMs: 5000 });
    try {
      await s.exec('USE ??', [inventory.mysql.database]);
      return Number(await s.value('SELECT COUNT(*) FROM `user`').catch(() => '0'));
    } finally {
      await s.close();
    }
  };
  const before = run.dryRun ? 0 : await countUsers().catch(() => 0);
  const t0 = Date.now();
  await generateProcedure(run, targets, {
    target: options.users,
    friendsPerUser: 3,
    postsPerUser: 0.1,
    dialogsPerUser: 0.01,
    chunkRows: 100_000,
    password: defaultGeneratedPassword,
    deferIndex: true,
    seed: 42,
  });
  const generateSeconds = (Date.now() - t0) / 1000;
  await ensureSearchIndex(run, inventory);
  for (const slave of inventory.mysql.slaves)
    await run.check('app user on slave', slave.name, async () => {
      const s = await MysqlSession.open(slave, inventory.mysql.app, { timeoutMs: 5000 }).catch(
        (error: Error) => {
          throw new ToolkitError(
            `the app's user cannot log in to ${slave.name} (${error.message}); the local environment's app component creates it (npm run up)`,
          );
        },
      );
      await s.close();
      return `'${inventory.mysql.app.user}' logs in`;
    });

  const tarantoolReady = inventory.tarantool !== undefined && appReadsSwitch('SEARCH_BACKEND');
  const tarantoolEnv = tarantoolReady ? tarantoolSearchEnv(inventory) : undefined;
  const plan = planSeries({ tarantool: tarantoolReady, compareShape: true });
  const notes: string[] = [];
  if (!inventory.tarantool) notes.push('No Tarantool series: the inventory has no Tarantool.');
  else if (!tarantoolReady)
    notes.push(
      "No Tarantool series: the app's config does not read SEARCH_BACKEND yet (app/src/platform/config.ts).",
    );
  const points = plan.length * options.connections.length;
  if (run.dryRun) {
    await run.action(
      'series',
      'localhost',
      `${plan.map((s) => s.id).join(', ')} at ${options.connections.join(', ')} connections, ${options.durationS} s each (${points} points) into ${dir}`,
      async () => undefined,
    );
    return { dir };
  }

  mkdirSync(raw, { recursive: true });
  const userCount = await countUsers();
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

  const meter = run.meter('points', points, 'points');
  const mysql = mysqlTargets(inventory);
  const mysqlPids = run.env === 'local' ? localMysqlPids() : [];
  if (mysqlPids.length === 0)
    notes.push("MySQL's CPU use is not shown: its processes are not on this machine's local environment.");

  const explainStep = async (index: boolean): Promise<void> => {
    await run.step(`explain ${index ? 'with' : 'without'} index`, master.name, async () => {
      const sample = index ? (options.quick ? 50 : 200) : 3;
      const report = await explainSearch(
        inventory,
        prefixes,
        options.limit,
        sample,
        index ? queryShapes : ['app'],
      );
      const files = writeExplain(dir, report, index);
      data.queryCosts.push({ index, costs: report.costs, files });
      return {
        status: 'ok',
        detail: report.costs
          .map(
            (c) =>
              `${c.shape}: ${c.examinedPerResult.toFixed(1)} examined per row returned (median ${c.medianExamined} per search)`,
          )
          .join('; '),
      };
    });
  };

  const runSeries = async (spec: SeriesSpec): Promise<void> => {
    const result: SeriesResult = { spec, points: [] };
    data.series.push(result);
    await run.step(spec.label, spec.driver === 'app' ? 'app' : master.name, async () => {
      let app: AppProcess | undefined;
      const startApp = async (): Promise<AppProcess> =>
        startAppProcess(inventory, {
          reads: spec.reads,
          extraEnv: spec.backend === 'tarantool' ? tarantoolEnv : undefined,
          logFile: join(raw, `${spec.id}.app.log`),
          rabbitmqPrefix: options.rabbitmqPrefix,
          logLevel: options.appLogLevel,
          poolSize: options.appPoolSize,
        });
      try {
        for (const connections of options.connections) {
          const point: PointRecord = { connections };
          result.points.push(point);
          run.progress(`${spec.id} at ${connections} connections`);
          try {
            if (spec.driver === 'db') {
              const cpu = new CpuSampler({ mysql: mysqlPids });
              point.result = await runDbLoad({
                targets: spec.reads === 'master' ? [mysql.master] : mysql.slaves,
                concurrency: connections,
                maxConnections: options.dbMaxConnections,
                durationS: options.durationS,
                timeoutS: options.timeoutS,
                prefixes,
                limit: options.limit,
                shape: spec.shape,
                seed: options.prefixSeed + connections,
              });
              point.cpu = cpu.stop();
              point.raw = `${spec.id}-c${connections}.json`;
              writeFileSync(join(raw, point.raw), `${JSON.stringify(point.result, null, 2)}\n`);
            } else {
              if (!app) {
                app = await startApp();
                // Warm-up, not recorded: connections pooled, code compiled, pages cached.
                await runWrk({
                  url: app.url,
                  connections: 10,
                  threads: 2,
                  durationS: Math.min(2, options.durationS),
                  timeoutS: options.timeoutS,
                  prefixFile,
                });
              }
              const cpu = new CpuSampler({ app: app.pid, mysql: mysqlPids });
              const wrk = await runWrk({
                url: app.url,
                connections,
                threads: 2,
                durationS: options.durationS,
                timeoutS: options.timeoutS,
                prefixFile,
              });
              point.cpu = cpu.stop();
              point.raw = `${spec.id}-c${connections}.txt`;
              writeFileSync(join(raw, point.raw), `# ${wrk.command.join(' ')}\n${wrk.stdout}\n${wrk.stderr}`);
              point.result = parseWrkOutput(wrk.stdout.trim() ? wrk.stdout : wrk.stderr);
            }
          } catch (error) {
            point.failure = (error as Error).message.split('\n')[0];
          }
          if (!spec.index) {
            // Without the index the app keeps scanning for requests wrk gave up on: a fresh instance per point.
            await app?.stop();
            app = undefined;
            const left = await quiesce(inventory, 180_000);
            if (left) notes.push(`${spec.label} at ${connections} connections: ${left}`);
          }
          meter.advance(1);
        }
      } finally {
        await app?.stop();
      }
      return { status: 'ok', detail: result.points.map(pointSummary).join('; ') };
    });
  };

  await explainStep(true);
  for (const spec of plan.filter((s) => s.index)) await runSeries(spec);
  const noIndex = plan.filter((s) => !s.index);
  if (noIndex.length)
    await withoutSearchIndex(run, inventory, async () => {
      await explainStep(false);
      for (const spec of noIndex) await runSeries(spec);
    });

  data.finishedAt = new Date().toISOString();
  data.machine.loadAfter = loadavg()[0] ?? 0;
  writeReport(dir, data);
  await run.verify('report', 'localhost', async () => `${join(dir, 'summary.md')}`);
  return { dir, data };
}

function writeExplain(dir: string, report: ExplainReport, index: boolean): string[] {
  const suffix = index ? 'index' : 'noindex';
  const files: string[] = [];
  const put = (name: string, text: string | undefined): void => {
    if (!text) return;
    writeFileSync(join(dir, name), `${text}\n`);
    files.push(name);
  };
  const about = JSON.stringify(report.sample);
  put(`explain-${suffix}.json`, report.explain);
  put(`analyze-${suffix}.json`, report.analyze);
  if (index) put(`explain-expanded-${suffix}.json`, report.explainExpanded);
  writeFileSync(join(dir, `explain-${suffix}.sample.json`), `${about}\n`);
  return files;
}

/** results.json, the charts and summary.md; the Markdown is rendered from results.json alone. */
export function writeReport(dir: string, data: ReportData): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'results.json'), `${JSON.stringify(data, null, 2)}\n`);
  const svgs = charts(data);
  for (const [name, svg] of Object.entries(svgs)) writeFileSync(join(dir, name), svg);
  writeFileSync(join(dir, 'summary.md'), renderSummary(data, Object.keys(svgs)));
}
