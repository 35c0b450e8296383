import type { BenchResults } from './bench.ts';
import type { ScanCost } from './explain.ts';
import type { SeriesResult } from './series.ts';

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  os: string;
  node: string;
  wrk: string;
  mysql: string;
  /** 1-minute load average before and after: other work on the machine shows here. */
  loadBefore: number;
  loadAfter?: number;
}

export interface ReportSettings {
  users: number;
  durationS: number;
  connections: number[];
  limit: number;
  timeoutS: number;
  prefixes: number;
  prefixSeed: number;
  dbMaxConnections: number;
  appPoolSize: number;
  appLogLevel: string;
  quick: boolean;
}

export interface QueryCost {
  index: boolean;
  costs: ScanCost[];
  /** File names under the report folder. */
  files: string[];
}

/** Everything a report says, kept as results.json so the Markdown and SVG can be rendered again. */
export interface ReportData {
  version: 1;
  startedAt: string;
  finishedAt?: string;
  command: string;
  env: string;
  machine: MachineInfo;
  settings: ReportSettings;
  users: { count: number; generated?: { added: number; seconds: number } };
  /** Measured by scripts/bench.mjs just before this report (handed over with --benchmarks). */
  benchmarks?: BenchResults;
  queryCosts: QueryCost[];
  series: SeriesResult[];
  notes: string[];
}
