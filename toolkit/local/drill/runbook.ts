import { resolve } from 'node:path';
import { ToolkitError, UsageError } from '../../procedure/errors.ts';
import type { RunbookDefinition } from '../../procedure/main.ts';
import { appInstanceDrill } from './app-instance-drill.ts';
import { failoverDrill } from './failover-drill.ts';
import { defaultReportsDir, describeDir, writeDrillReport } from './report.ts';
import { openTarget } from './target.ts';

const flags = {
  throwaway: {
    type: 'boolean',
    description: 'run on a whole local environment of its own (temp dir, free ports), deleted at the end',
    default: false,
  },
  duration: {
    type: 'number',
    description: 'seconds of load (the fault comes at a quarter of it)',
    default: 30,
  },
  out: { type: 'string', description: 'where the report folder goes', default: defaultReportsDir },
} as const;

const kinds = ['failover', 'app-instance'] as const;

export const drillRunbook: RunbookDefinition<typeof flags> = {
  name: 'drill',
  summary:
    'A fault under load, measured. failover: SIGKILLs the MySQL master while a mixed load (reads, writes, a\n' +
    'WebSocket feed) runs through nginx, fails over as soon as the master is seen dead, rejoins the old master, and\n' +
    'counts the time to the first accepted write, refused writes, acknowledged writes lost (row by row), read\n' +
    'errors, the replicator catching up and Tarantool = MySQL. app-instance: SIGKILLs one app instance under the\n' +
    'same load and counts the failed requests. Writes reports/drills/<timestamp>-<kind>/ (summary.md,\n' +
    'timeline.svg, report.json). Acts on the local environment, or with --throwaway on one of its own.',
  positionalUsage: '<failover|app-instance>',
  flags,
  // It moves the master: on the local environment it holds the operation lock (a throwaway one is its own).
  changesTopology: (f, positionals) => positionals[0] === 'failover' && !f.throwaway,
  validate: (f, positionals) => {
    if (positionals.length !== 1 || !kinds.includes(positionals[0] as (typeof kinds)[number]))
      throw new UsageError(`which drill: failover or app-instance (got '${positionals.join(' ')}')`);
    if (!(f.duration >= 8 && f.duration <= 600)) throw new UsageError('--duration must be 8..600 seconds');
  },
  async procedure(run, { flags: f, positionals }) {
    const kind = positionals[0] as (typeof kinds)[number];
    const target = await openTarget(run, f.throwaway);
    run.onClose(() => target.close());
    const command = `npx zx scripts/drill.mjs ${kind}${f.throwaway ? ' --throwaway' : ''} --duration ${f.duration}`;
    const options = { durationMs: f.duration * 1000, command };
    const report =
      kind === 'failover' ? await failoverDrill(run, options) : await appInstanceDrill(run, options);
    const dir = writeDrillReport(report, resolve(f.out));
    const missed = report.rows.filter((r) => r.met === false);
    await run.check('report', describeDir(dir), async () => {
      const summary = `${describeDir(dir)}/summary.md: ${report.rows.map((r) => `${r.measure} ${r.result}`).join('; ')}`;
      if (missed.length)
        throw new ToolkitError(
          `targets missed: ${missed.map((r) => `${r.measure} ${r.result} (target ${r.target})`).join('; ')}; see ${summary}`,
        );
      return summary;
    });
  },
};
