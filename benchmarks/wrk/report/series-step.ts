import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../../../lib/poll.ts';
import type { Inventory } from '../../../toolkit/inventory/schema.ts';
import { MysqlSession } from '../../../toolkit/mysql/session.ts';
import { type AppProcess, startAppProcess } from '../app-process.ts';
import { CpuSampler } from '../cpu.ts';
import { runDbLoad } from '../db-load.ts';
import { totalErrors } from '../results.ts';
import type { PointRecord, SeriesResult, SeriesSpec } from '../series.ts';
import { parseWrkOutput } from '../wrk-output.ts';
import { runWrk } from '../wrk-runner.ts';
import type { ReportContext } from './context.ts';

/** One series at every connection count: the DB-alone tool, or wrk against our own app instance. */
export async function runSeries(ctx: ReportContext, spec: SeriesSpec): Promise<void> {
  const { run, inventory, options, data } = ctx;
  const result: SeriesResult = { spec, points: [] };
  data.series.push(result);
  await run.step(spec.label, spec.driver === 'db' ? inventory.mysql.master.name : 'app', async () => {
    const app = new SeriesApp(ctx, spec);
    try {
      for (const connections of options.connections) {
        const point: PointRecord = { connections };
        result.points.push(point);
        run.progress(`${spec.id} at ${connections} connections`);
        try {
          if (spec.driver === 'db') await measureDb(ctx, spec, point);
          else if (spec.driver === 'env') await measureApp(ctx, spec, point, envTarget(ctx, spec));
          else await measureApp(ctx, spec, point, await app.ready());
        } catch (error) {
          point.failure = (error as Error).message.split('\n')[0];
        }
        if (!spec.index) {
          // Without the index the app keeps scanning for requests wrk gave up on: a fresh instance per point.
          await app.stop();
          const left = await quiesce(inventory, 180_000);
          if (left) data.notes.push(`${spec.label} at ${connections} connections: ${left}`);
        }
        ctx.meter.advance(1);
      }
    } finally {
      await app.stop();
    }
    return { status: 'ok', detail: result.points.map(pointSummary).join('; ') };
  });
}

/** The app instance a series measures: started (and warmed up, unrecorded) on first use. */
class SeriesApp {
  private app: AppProcess | undefined;

  constructor(
    private readonly ctx: ReportContext,
    private readonly spec: SeriesSpec,
  ) {}

  async ready(): Promise<AppProcess> {
    if (this.app) return this.app;
    const { ctx, spec } = this;
    this.app = await startAppProcess(ctx.inventory, {
      reads: spec.reads,
      extraEnv: { ...(spec.backend === 'tarantool' ? ctx.tarantoolEnv : {}), ...(spec.appEnv ?? {}) },
      logFile: join(ctx.raw, `${spec.id}.app.log`),
      rabbitmqPrefix: ctx.options.rabbitmqPrefix,
      logLevel: ctx.options.appLogLevel,
      poolSize: ctx.options.appPoolSize,
      root: spec.baseline ? ctx.options.baseline : undefined,
      ...(spec.floor
        ? { mainFile: 'benchmarks/wrk/http-floor-server.ts', extraEnv: { HTTP_FLOOR: spec.floor } }
        : {}),
    });
    // Warm-up, not recorded: connections pooled, code compiled, pages cached.
    await runWrk({
      url: this.app.url,
      connections: 10,
      threads: 2,
      durationS: Math.min(2, ctx.options.durationS),
      timeoutS: ctx.options.timeoutS,
      prefixFile: ctx.prefixFile,
    });
    return this.app;
  }

  async stop(): Promise<void> {
    await this.app?.stop();
    this.app = undefined;
  }
}

async function measureDb(ctx: ReportContext, spec: SeriesSpec, point: PointRecord): Promise<void> {
  const { options } = ctx;
  const cpu = new CpuSampler({ mysql: ctx.mysqlPids });
  point.result = await runDbLoad({
    targets: spec.reads === 'master' ? [ctx.mysql.master] : ctx.mysql.slaves,
    concurrency: point.connections,
    maxConnections: options.dbMaxConnections,
    durationS: options.durationS,
    timeoutS: options.timeoutS,
    prefixes: ctx.prefixes,
    limit: options.limit,
    shape: spec.shape,
    seed: options.prefixSeed + point.connections,
  });
  point.cpu = cpu.stop();
  point.raw = `${spec.id}-c${point.connections}.json`;
  writeFileSync(join(ctx.raw, point.raw), `${JSON.stringify(point.result, null, 2)}\n`);
}

/** The environment's own app as its users reach it (nginx), or its first instance: not ours, never restarted. */
function envTarget(ctx: ReportContext, spec: SeriesSpec): Pick<AppProcess, 'url'> & { pid?: number } {
  const app = ctx.inventory.app;
  const instance = app?.instances?.[0];
  if (!app || !instance) throw new Error("the inventory's app has no instances behind a front");
  return { url: spec.target === 'front' ? app.url : `http://${instance.host}:${instance.port}` };
}

async function measureApp(
  ctx: ReportContext,
  spec: SeriesSpec,
  point: PointRecord,
  app: Pick<AppProcess, 'url'> & { pid?: number },
) {
  const cpu = new CpuSampler({ app: app.pid, mysql: ctx.mysqlPids });
  const wrk = await runWrk({
    url: app.url,
    connections: point.connections,
    threads: 2,
    durationS: ctx.options.durationS,
    timeoutS: ctx.options.timeoutS,
    prefixFile: ctx.prefixFile,
  });
  point.cpu = cpu.stop();
  point.raw = `${spec.id}-c${point.connections}.txt`;
  writeFileSync(join(ctx.raw, point.raw), `# ${wrk.command.join(' ')}\n${wrk.stdout}\n${wrk.stderr}`);
  point.result = parseWrkOutput(wrk.stdout.trim() ? wrk.stdout : wrk.stderr);
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
