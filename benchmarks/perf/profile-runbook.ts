import type { FlagSpecs } from '../../toolkit/procedure/args.ts';
import { UsageError } from '../../toolkit/procedure/errors.ts';
import type { RunbookDefinition } from '../../toolkit/procedure/main.ts';
import type { ReadPool } from '../wrk/app-process.ts';
import { profileProcedure } from './profile.ts';

const flags = {
  reads: { type: 'string', description: 'where the app reads: master or slaves', default: 'master' },
  connections: { type: 'number', description: "wrk's connections", default: 100 },
  duration: { type: 'number', description: 'seconds of wrk', default: 20 },
  limit: { type: 'number', description: 'results per search', default: 10 },
  'app-pool-size': { type: 'number', description: "the app's MySQL pool per server", default: 20 },
  out: { type: 'string', description: 'report folder [reports/perf/<timestamp>-profile-<reads>]' },
} as const satisfies FlagSpecs;

export function profileRunbook(words: string[]): RunbookDefinition<typeof flags> {
  return {
    name: 'profile-app',
    summary:
      "A CPU profile of the app's search under wrk: our own app instance with node --cpu-prof, wrk with the WRK\n" +
      "report's random prefixes, then the top functions and the time by area in reports/perf/<timestamp>-profile-<reads>/.",
    flags,
    validate: (f) => {
      if (!['master', 'slaves'].includes(f.reads)) throw new UsageError('--reads must be master or slaves');
      if (!Number.isInteger(f.connections) || f.connections < 1 || f.connections > 10_000)
        throw new UsageError('--connections must be 1..10000');
      if (!(f.duration >= 1 && f.duration <= 600)) throw new UsageError('--duration must be 1..600 seconds');
      if (!Number.isInteger(f.limit) || f.limit < 1 || f.limit > 1000)
        throw new UsageError('--limit must be 1..1000');
    },
    procedure: async (run, { inventory, flags: f }) => {
      await profileProcedure(run, inventory, {
        reads: f.reads as ReadPool,
        connections: f.connections,
        durationS: f.duration,
        limit: f.limit,
        appPoolSize: f['app-pool-size'],
        outDir: f.out,
        command: ['npx zx scripts/profile-app.mjs', ...words].join(' '),
      });
    },
  };
}
