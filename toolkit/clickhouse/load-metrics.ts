import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Gauge, Registry } from 'prom-client';

/** The file node_exporter's textfile collector serves (toolkit/prometheus/exporters.ts), under the env's state dir. */
export const loadMetricsFile = (stateDir: string) => join(stateDir, 'textfile', 'clickhouse_load.prom');

export interface LoadRun {
  ok: boolean;
  /** Rows in the live table after a successful run. */
  rows?: number;
  durationSeconds: number;
  finishedAt: Date;
}

/**
 * The ClickHouse load is a batch job, not a process Prometheus could scrape: each run leaves its result
 * in a textfile (written whole, then renamed, so a scrape never reads half of it). The last success and
 * its row count survive a failed run, so an alert can tell "failing since" from "never ran".
 */
export async function writeLoadMetrics(stateDir: string, run: LoadRun): Promise<string> {
  const file = loadMetricsFile(stateDir);
  const previous = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const earlier = (name: string) => {
    const match = new RegExp(`^${name} (\\S+)$`, 'm').exec(previous);
    return match ? Number(match[1]) : undefined;
  };
  const registry = new Registry();
  const gauge = (name: string, help: string, value: number | undefined) => {
    if (value === undefined) return;
    new Gauge({ name, help, registers: [registry] }).set(value);
  };
  const finished = run.finishedAt.getTime() / 1000;
  gauge('clickhouse_load_last_run_timestamp_seconds', 'When the last ClickHouse load finished', finished);
  gauge(
    'clickhouse_load_last_run_success',
    'Whether the last ClickHouse load succeeded (1) or failed (0)',
    run.ok ? 1 : 0,
  );
  gauge(
    'clickhouse_load_last_run_duration_seconds',
    'How long the last ClickHouse load took',
    run.durationSeconds,
  );
  gauge(
    'clickhouse_load_last_success_timestamp_seconds',
    'When a ClickHouse load last succeeded',
    run.ok ? finished : earlier('clickhouse_load_last_success_timestamp_seconds'),
  );
  gauge(
    'clickhouse_load_rows',
    'Rows in the ClickHouse user table after the last successful load',
    run.ok ? run.rows : earlier('clickhouse_load_rows'),
  );
  mkdirSync(join(stateDir, 'textfile'), { recursive: true });
  writeFileSync(`${file}.tmp`, await registry.metrics());
  renameSync(`${file}.tmp`, file);
  return file;
}
