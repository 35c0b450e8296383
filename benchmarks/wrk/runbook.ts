import { existsSync } from 'node:fs';
import type { FlagSpecs, ParsedFlags } from '../../toolkit/procedure/args.ts';
import { UsageError } from '../../toolkit/procedure/errors.ts';
import type { commonFlags, RunbookDefinition } from '../../toolkit/procedure/main.ts';
import { type WrkReportOptions, wrkReportProcedure } from './report.ts';
import { seriesIds } from './series.ts';

const flags = {
  quick: {
    type: 'boolean',
    description: 'pipeline check for CI: 5,000 users, 2 s per point, 1 and 10 connections (about a minute)',
    default: false,
  },
  users: { type: 'number', description: 'users the environment must hold (topped up) [1000000; quick 5000]' },
  duration: { type: 'number', description: 'seconds per point [30; quick 2]' },
  connections: { type: 'list', description: 'connection counts [1,10,100,1000; quick 1,10]' },
  limit: { type: 'number', description: 'results per search (the limit= the app is asked for)', default: 10 },
  timeout: { type: 'number', description: 'seconds before a request counts as a timeout', default: 2 },
  prefixes: { type: 'number', description: 'random prefix pairs in the wrk script', default: 2000 },
  seed: { type: 'number', description: 'seed of the prefix pairs', default: 1 },
  'db-max-connections': {
    type: 'number',
    description: 'connections per server of the MySQL-alone tool, at most',
    default: 100,
  },
  'app-pool-size': { type: 'number', description: "the app's MySQL pool per server", default: 20 },
  'app-log-level': { type: 'string', description: "our app instances' log level", default: 'warn' },
  rounds: {
    type: 'number',
    description:
      'rounds of the series with the index, run one after the other; each point shows the median round',
    default: 1,
  },
  baseline: {
    type: 'string',
    description:
      'a checkout of the project at an earlier commit (with node_modules): its app measured beside this one',
  },
  series: { type: 'list', description: `only these series [all]: ${seriesIds.join(', ')}` },
  out: { type: 'string', description: 'report folder [reports/wrk/<timestamp>]' },
  benchmarks: {
    type: 'string',
    description: 'JSON of benchmarks measured just before (scripts/bench.mjs writes it) to include',
  },
  'rabbitmq-prefix': {
    type: 'string',
    description: "RabbitMQ names of our app instances [the environment's own]",
  },
} as const satisfies FlagSpecs;

type Flags = ParsedFlags<typeof flags & typeof commonFlags>;

/** The flags as options, quick mode's defaults applied where a flag was not given. */
export function reportOptions(f: Flags, command: string): WrkReportOptions {
  const connections = (f.connections ?? (f.quick ? ['1', '10'] : ['1', '10', '100', '1000'])).map(Number);
  return {
    quick: f.quick,
    users: f.users ?? (f.quick ? 5000 : 1_000_000),
    durationS: f.duration ?? (f.quick ? 2 : 30),
    connections,
    limit: f.limit,
    timeoutS: f.timeout,
    prefixCount: f.prefixes,
    prefixSeed: f.seed,
    dbMaxConnections: f['db-max-connections'],
    appPoolSize: f['app-pool-size'],
    appLogLevel: f['app-log-level'],
    outDir: f.out,
    series: f.series,
    baseline: f.baseline,
    rounds: f.rounds,
    rabbitmqPrefix: f['rabbitmq-prefix'],
    benchmarksFile: f.benchmarks,
    command,
  };
}

export function validateReportFlags(f: Flags): void {
  const o = reportOptions(f, '');
  if (!Number.isInteger(o.users) || o.users < 1 || o.users > 100_000_000)
    throw new UsageError('--users must be 1..100000000');
  if (!(o.durationS >= 1 && o.durationS <= 3600)) throw new UsageError('--duration must be 1..3600 seconds');
  if (o.connections.some((c) => !Number.isInteger(c) || c < 1 || c > 10_000))
    throw new UsageError('--connections must be integers 1..10000, e.g. 1,10,100,1000');
  if (!Number.isInteger(o.limit) || o.limit < 1 || o.limit > 1000)
    throw new UsageError('--limit must be 1..1000');
  if (!(o.timeoutS >= 1 && o.timeoutS <= 60)) throw new UsageError('--timeout must be 1..60 seconds');
  if (!Number.isInteger(o.prefixCount) || o.prefixCount < 1 || o.prefixCount > 1_000_000)
    throw new UsageError('--prefixes must be 1..1000000');
  if (o.dbMaxConnections < 1 || o.dbMaxConnections > 1000)
    throw new UsageError('--db-max-connections must be 1..1000');
  if (o.appPoolSize < 1 || o.appPoolSize > 1000) throw new UsageError('--app-pool-size must be 1..1000');
  if (!Number.isInteger(o.rounds) || (o.rounds ?? 1) < 1 || (o.rounds ?? 1) > 20)
    throw new UsageError('--rounds must be 1..20');
  if (o.baseline !== undefined && !existsSync(`${o.baseline}/app/src/main.ts`))
    throw new UsageError(`--baseline ${o.baseline}: no app/src/main.ts there`);
  for (const id of o.series ?? [])
    if (!seriesIds.includes(id))
      throw new UsageError(`--series: unknown series '${id}' (known: ${seriesIds.join(', ')})`);
  if (o.benchmarksFile !== undefined && !existsSync(o.benchmarksFile))
    throw new UsageError(`--benchmarks ${o.benchmarksFile}: no such file`);
  if (o.rabbitmqPrefix !== undefined && !/^[A-Za-z0-9_.-]{1,100}$/.test(o.rabbitmqPrefix))
    throw new UsageError('--rabbitmq-prefix must be letters, digits, _ . -');
}

export function wrkReportRunbook(words: string[]): RunbookDefinition<typeof flags> {
  return {
    name: 'wrk-report',
    summary:
      'The WRK report of the user search: tops the environment up to --users users, checks the search index (restoring it\n' +
      'if an interrupted run left it dropped), then runs wrk with random name prefixes against our own app instances\n' +
      '(reads on the master, on the slaves, Tarantool when there) and the same statement straight to MySQL at every\n' +
      'connection count, with the index and without it (dropped and restored by the run). Writes\n' +
      'reports/wrk/<timestamp>/: summary.md, results.json, SVG charts, EXPLAIN/ANALYZE, raw outputs.',
    flags,
    validate: (f) => validateReportFlags(f),
    procedure: async (run, { inventory, flags: f }) => {
      await wrkReportProcedure(
        run,
        inventory,
        reportOptions(f, ['npx zx scripts/wrk-report.mjs', ...words].join(' ')),
      );
    },
  };
}
