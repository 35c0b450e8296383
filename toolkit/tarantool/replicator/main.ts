// The Tarantool replicator as a process: `node --import tsx toolkit/tarantool/replicator/main.ts --config <yml>`.
// Runs until SIGTERM/SIGINT; logs one line per event worth knowing, and its lag every 10 s while behind.
import { parseArgs } from 'node:util';
import { closeMetrics, serveMetrics } from '../../../lib/metrics-server.ts';
import { loadReplicatorConfig, passwordFrom } from './config.ts';
import { Replicator } from './engine.ts';
import { faultHooks, faultVariable, parseFault } from './fault.ts';
import { replicatorRegistry } from './metrics.ts';

function log(line: string): void {
  process.stdout.write(`${new Date().toISOString()} ${line}\n`);
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { config: { type: 'string' } }, strict: true });
  if (!values.config) {
    process.stderr.write('usage: replicator/main.ts --config <replicator.yml>\n');
    return 2;
  }
  const config = loadReplicatorConfig(values.config);
  const faultText = process.env[faultVariable];
  const hooks = faultText ? faultHooks(parseFault(faultText), log) : {};
  const replicator = new Replicator(
    config,
    {
      mysqlPassword: passwordFrom(config.mysql.passwordEnv, process.env),
      tarantoolPassword: passwordFrom(config.tarantool.passwordEnv, process.env),
    },
    log,
    hooks,
  );
  const { metrics } = config;
  // Replicating matters more than being watched: a metrics port that cannot be had is logged (and
  // Prometheus reports the target down), not fatal.
  const metricsServer =
    metrics && metrics.port > 0
      ? await serveMetrics(
          replicatorRegistry(() => replicator.status()),
          metrics.host,
          metrics.port,
        ).catch((error: Error) => {
          log(
            `metrics: cannot listen on ${metrics.host}:${metrics.port} (${error.message}); replicating without`,
          );
          return undefined;
        })
      : undefined;
  if (metricsServer) log(`metrics on http://${metrics!.host}:${metrics!.port}/metrics`);
  const stop = new AbortController();
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping`);
      stop.abort();
    });
  }
  const report = setInterval(() => {
    const s = replicator.status();
    if (s.lagSeconds >= 1)
      log(`behind: lag ${s.lagSeconds.toFixed(1)} s, ${s.appliedRows} rows applied so far`);
  }, 10_000);
  log(`replicating ${config.mappings.map((m) => `${m.database}.${m.table} → space ${m.space}`).join(', ')}`);
  await replicator.run(stop.signal);
  clearInterval(report);
  if (metricsServer) await closeMetrics(metricsServer);
  log('stopped');
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`replicator: ${(error as Error).message}\n`);
    process.exitCode = (error as { code?: string }).code === 'USAGE' ? 2 : 1;
  },
);
