import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FlagSpecs } from '../../toolkit/procedure/args.ts';
import { UsageError } from '../../toolkit/procedure/errors.ts';
import type { RunbookDefinition } from '../../toolkit/procedure/main.ts';
import { benchProcedure } from './bench.ts';

const benchmarks = ['http', 'generate', 'clickhouse', 'wrk'];

const flags = {
  quick: {
    type: 'boolean',
    description: 'small sizes (100,000 generated users, the quick WRK report): a check that all of it runs',
    default: false,
  },
  only: { type: 'list', description: `run only these of ${benchmarks.join(', ')}` },
} as const satisfies FlagSpecs;

/** Words after `--` (or unknown to bench) go to wrk-report.mjs: --users, --duration, --connections... */
export function benchRunbook(words: string[]): RunbookDefinition<typeof flags> {
  const split = words.indexOf('--');
  const reportArgs = split === -1 ? [] : words.slice(split + 1);
  return {
    name: 'bench',
    summary:
      "The project's benchmarks in one go, with their numbers printed: the HTTP ceiling of one Node process, the users\n" +
      'generator (1,000,000 users on a throwaway cluster), the ClickHouse load, then the\n' +
      'full WRK report (reports/wrk/<timestamp>/) with all of them in it. Words after -- go to wrk-report.mjs.',
    flags,
    validate: (f) => {
      for (const name of f.only ?? [])
        if (!benchmarks.includes(name))
          throw new UsageError(`--only: unknown benchmark '${name}' (known: ${benchmarks.join(', ')})`);
    },
    procedure: async (run, { flags: f }) => {
      const dir = mkdtempSync(join(tmpdir(), 'bench-'));
      const envArgs = f.env !== 'local' ? ['--env', f.env] : [];
      const results = await benchProcedure(run, {
        quick: f.quick,
        only: f.only,
        reportArgs: [...envArgs, ...reportArgs],
        resultsFile: join(dir, 'benchmarks.json'),
        prefixFile: join(dir, 'prefixes.txt'),
      });
      run.note(`benchmarks: ${JSON.stringify(results)}`);
    },
  };
}
