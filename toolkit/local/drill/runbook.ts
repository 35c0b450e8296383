import { resolve } from 'node:path';
import { ToolkitError, UsageError } from '../../procedure/errors.ts';
import type { RunbookDefinition } from '../../procedure/main.ts';
import { appInstanceDrill } from './app-instance-drill.ts';
import { failoverDrill } from './failover-drill.ts';
import { defaultReportsDir, describeDir, writeDrillReport } from './report.ts';
import { restoreDrill } from './restore-drill.ts';
import { openRestoreTarget } from './restore-target.ts';
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

const kinds = ['failover', 'app-instance', 'restore'] as const;

export const drillRunbook: RunbookDefinition<typeof flags> = {
  name: 'drill',
  summary:
    'A fault under load, measured. failover: SIGKILLs the MySQL master while a mixed load (reads, writes, a\n' +
    'WebSocket feed) runs through nginx, fails over as soon as the master is seen dead, rejoins the old master, and\n' +
    'counts the time to the first accepted write, refused writes, acknowledged writes lost (row by row), read\n' +
    'errors, the replicator catching up and Tarantool = MySQL. app-instance: SIGKILLs one app instance under the\n' +
    'same load and counts the failed requests. restore: a backup mid-load, DROP TABLE post, restore.mjs to just\n' +
    'before it, compared row by row with what the load recorded (always on a throwaway cluster: it drops a table).\n' +
    'Writes reports/drills/<timestamp>-<kind>/ (summary.md, timeline.svg, report.json). Acts on the local\n' +
    'environment, or with --throwaway on one of its own.',
  positionalUsage: '<failover|app-instance|restore>',
  flags,
  // It moves the master: on the local environment it holds the operation lock (a throwaway one is its own).
  changesTopology: (f, positionals) => positionals[0] === 'failover' && !f.throwaway,
  validate: (f, positionals) => {
    if (positionals.length !== 1 || !kinds.includes(positionals[0] as (typeof kinds)[number]))
      throw new UsageError(`which drill: failover, app-instance or restore (got '${positionals.join(' ')}')`);
    if (!(f.duration >= 8 && f.duration <= 600)) throw new UsageError('--duration must be 8..600 seconds');
  },
  async procedure(run, { flags: f, positionals }) {
    const kind = positionals[0] as (typeof kinds)[number];
    // The restore drill drops a table: only ever on a throwaway cluster of its own.
    const target = kind === 'restore' ? await openRestoreTarget(run) : await openTarget(run, f.throwaway);
    run.onClose(() => target.close());
    const throwaway = f.throwaway && kind !== 'restore' ? ' --throwaway' : '';
    const command = `npx zx scripts/drill.mjs ${kind}${throwaway} --duration ${f.duration}`;
    const options = { durationMs: f.duration * 1000, command };
    const report =
      kind === 'failover'
        ? await failoverDrill(run, options)
        : kind === 'restore'
          ? await restoreDrill(run, options)
          : await appInstanceDrill(run, options);
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
