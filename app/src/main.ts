import { closeMetrics, serveMetrics } from '../../lib/metrics-server.ts';
import { buildApp } from './app.ts';
import { ConfigError, loadConfig } from './platform/config.ts';
import { openLogFile } from './platform/logging.ts';
import { AppMetrics } from './platform/metrics.ts';
import { migrateAll } from './platform/migrations.ts';

/** `node --import tsx app/src/main.ts`: config from the environment, optional migration, serve, stop on SIGTERM. */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${JSON.stringify({ level: 'fatal', msg: `configuration: ${error.message}` })}\n`);
      process.exit(2);
    }
    throw error;
  }
  if (config.migrateOnStart) await migrateAll(config);
  const logStream = config.logFile ? openLogFile(config.logFile) : undefined;
  const metrics = new AppMetrics();
  const app = await buildApp(config, { logStream, metrics });
  // Serving users matters more than being watched: a metrics port that cannot be had is logged (and
  // Prometheus reports the target down), not fatal.
  const { host, port } = config.metrics;
  const metricsServer =
    port > 0
      ? await serveMetrics(metrics.registry, host, port).catch((error: Error) => {
          app.log.error({ err: error.message }, `metrics: cannot listen on ${host}:${port}; serving without`);
          return undefined;
        })
      : undefined;
  if (metricsServer) app.addHook('onClose', () => closeMetrics(metricsServer));
  // The file's last lines are flushed before the process goes.
  const flushLog = () =>
    new Promise<void>((resolve) => (logStream ? logStream.end(() => resolve()) : resolve()));
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down: draining requests and sockets');
    // A request that never ends must not keep the process alive past the orchestrator's patience.
    setTimeout(() => process.exit(1), 10_000).unref();
    app.close().then(
      () => flushLog().then(() => process.exit(0)),
      () => flushLog().then(() => process.exit(1)),
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  await app.listen({ host: config.host, port: config.port });
}

main().catch((error: unknown) => {
  process.stderr.write(`${JSON.stringify({ level: 'fatal', msg: (error as Error).message })}\n`);
  process.exit(1);
});
