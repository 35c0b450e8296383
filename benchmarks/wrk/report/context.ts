import type { MysqlTarget } from '../../../app/src/ops.ts';
import type { Inventory } from '../../../toolkit/inventory/schema.ts';
import type { Run } from '../../../toolkit/procedure/run.ts';
import type { SearchPrefix } from '../prefixes.ts';
import type { ReportData } from '../report-data.ts';

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
  /** A checkout of the project at an earlier commit: its app is measured beside this one's. */
  baseline?: string;
  /** Rounds of the series with the index (each round runs all of them once); the median round is shown. */
  rounds?: number;
  /** Only these series (ids of series.ts); all when absent. */
  series?: string[];
  /** Where the report goes; default reports/wrk/<timestamp>[-quick]. */
  outDir?: string;
  rabbitmqPrefix?: string;
  /** results of scripts/bench.mjs to include. */
  benchmarksFile?: string;
  /** The command line, as the report shows it. */
  command: string;
}

/** What every measuring phase of one report shares: where it writes, what it measures with, what it found. */
export interface ReportContext {
  run: Run;
  inventory: Inventory;
  options: WrkReportOptions;
  dir: string;
  /** Raw outputs (wrk stdout, DB-load JSON, app logs, the prefixes file). */
  raw: string;
  data: ReportData;
  prefixes: SearchPrefix[];
  prefixFile: string;
  mysql: { master: MysqlTarget; slaves: MysqlTarget[] };
  /** The local MySQL processes whose CPU the points sample; empty elsewhere. */
  mysqlPids: number[];
  tarantoolEnv: Record<string, string> | undefined;
  meter: { advance(count: number): void };
}
