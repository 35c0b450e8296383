import type { FlagSpecs } from '../../toolkit/procedure/args.ts';
import { UsageError } from '../../toolkit/procedure/errors.ts';
import type { RunbookDefinition } from '../../toolkit/procedure/main.ts';
import { scaleCurveProcedure } from './scale-curve.ts';

const flags = {
  sizes: { type: 'list', description: 'user counts, ascending [1000000,3000000,10000000]' },
  connections: { type: 'number', description: 'connections of every series', default: 100 },
  duration: { type: 'number', description: 'seconds per series', default: 15 },
  limit: { type: 'number', description: 'results per search', default: 10 },
  timeout: { type: 'number', description: 'seconds before a search counts as a timeout', default: 2 },
  'app-pool-size': { type: 'number', description: "the app's MySQL pool per server", default: 20 },
  'db-max-connections': {
    type: 'number',
    description: 'connections of the MySQL-alone tool, at most',
    default: 100,
  },
  out: { type: 'string', description: 'report folder [reports/perf/<timestamp>-scale]' },
} as const satisfies FlagSpecs;

export function scaleCurveRunbook(words: string[]): RunbookDefinition<typeof flags> {
  const sizesOf = (list: string[] | undefined) => (list ?? ['1000000', '3000000', '10000000']).map(Number);
  return {
    name: 'scale-curve',
    summary:
      'The search cost curve: tops the user table up to each size in turn (users only, timed) and measures each query\n' +
      'shape straight to MySQL and through the app (req/s, p50/p99, rows examined and disk reads per search) into\n' +
      'reports/perf/<timestamp>-scale/ with charts. It only ever adds users.',
    flags,
    validate: (f) => {
      const sizes = sizesOf(f.sizes);
      if (sizes.some((n) => !Number.isInteger(n) || n < 1 || n > 100_000_000))
        throw new UsageError('--sizes must be user counts 1..100000000, e.g. 1000000,3000000');
      if (sizes.some((n, i) => i > 0 && n <= sizes[i - 1]!)) throw new UsageError('--sizes must ascend');
      if (!Number.isInteger(f.connections) || f.connections < 1 || f.connections > 10_000)
        throw new UsageError('--connections must be 1..10000');
      if (!(f.duration >= 1 && f.duration <= 3600))
        throw new UsageError('--duration must be 1..3600 seconds');
    },
    procedure: async (run, { inventory, flags: f }) => {
      await scaleCurveProcedure(run, inventory, {
        sizes: sizesOf(f.sizes),
        connections: f.connections,
        durationS: f.duration,
        limit: f.limit,
        timeoutS: f.timeout,
        appPoolSize: f['app-pool-size'],
        dbMaxConnections: f['db-max-connections'],
        outDir: f.out,
        command: ['npx zx scripts/scale-curve.mjs', ...words].join(' '),
      });
    },
  };
}
