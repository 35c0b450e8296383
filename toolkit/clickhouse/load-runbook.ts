import type { RunbookDefinition } from '../procedure/main.ts';
import { writeLoadMetrics } from './load-metrics.ts';
import { clickhouseLoadProcedure } from './user-load.ts';

const flags = {
  source: { type: 'string', description: 'the MySQL node to export from (default: the first slave)' },
  force: {
    type: 'boolean',
    description: "reload even when ClickHouse already holds exactly MySQL's rows",
    default: false,
  },
} as const;

export const clickhouseLoadRunbook: RunbookDefinition<typeof flags> = {
  name: 'clickhouse-load',
  summary:
    'Loads the user table into ClickHouse: exports it TabSeparated from one consistent snapshot (a slave unless\n' +
    '--source says otherwise), loads a staging table, checks its row count and checksum against the snapshot, then\n' +
    'swaps it in whole (EXCHANGE TABLES, or one RENAME on servers before 20.10). A table that already holds exactly\n' +
    "MySQL's rows is left alone (--force reloads); a failed or killed run leaves the previous table as it was.",
  flags,
  // Each run, failed ones too, leaves its result for Prometheus (docs/observability.md); a dry run none.
  procedure: async (run, { inventory, source, flags: f }) => {
    const started = Date.now();
    const finish = (ok: boolean, rows?: number) =>
      run.dryRun
        ? undefined
        : writeLoadMetrics(source.stateDir, {
            ok,
            rows,
            durationSeconds: (Date.now() - started) / 1000,
            finishedAt: new Date(),
          });
    try {
      const outcome = await clickhouseLoadProcedure(run, inventory, { source: f.source, force: f.force });
      await finish(true, outcome.rows);
    } catch (error) {
      await finish(false);
      throw error;
    }
  },
};
