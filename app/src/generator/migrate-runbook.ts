import type { RunbookDefinition } from '../../../toolkit/procedure/main.ts';
import { migrateAll } from '../platform/migrations.ts';
import { generateTargets } from './runbook.ts';

export const migrateRunbook: RunbookDefinition<Record<string, never>> = {
  name: 'migrate',
  summary:
    "Applies the app's pending migrations (app/migrations) to the environment's master and chat_message connection.",
  procedure: async (run, { inventory }) => {
    const targets = generateTargets(inventory);
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
