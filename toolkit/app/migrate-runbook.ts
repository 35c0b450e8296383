import { migrateAll } from '../../app/src/ops.ts';
import type { RunbookDefinition } from '../procedure/main.ts';
import { migrateTargets } from './generate-runbook.ts';

export const migrateRunbook: RunbookDefinition<Record<string, never>> = {
  name: 'migrate',
  summary:
    "Applies the app's pending migrations (app/migrations) to the environment's master and chat_message connection,\n" +
    "as the migrations' account (mysql.migrate: DDL on the schema; the app's own account has rows only).",
  procedure: async (run, { inventory }) => {
    const targets = migrateTargets(inventory);
    await run.action('migrations', targets.host, 'apply pending migrations', async () => {
      const reports = await migrateAll(targets);
      return reports
        .map(
          (r) =>
            `${r.set}: ${r.applied.length ? `applied ${r.applied.join(', ')}` : 'up to date'} (version ${r.current})`,
        )
        .join('; ');
    });
  },
};
