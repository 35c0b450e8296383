import { backupRoot, fullBackupsDir } from '../backup/layout.ts';
import type { NodeReplacer } from '../backup/restore.ts';
import { backupToSeedFrom, type SeedSource, seedSlavesFromBackup } from '../backup/seed.ts';
import type { Inventory } from '../inventory/schema.ts';
import { UsageError } from '../procedure/errors.ts';
import type { RunbookDefinition } from '../procedure/main.ts';
import { replicationProcedure } from './replication.ts';

const flags = {
  rejoin: {
    type: 'string',
    description: 'bring a fenced former master back as a slave (reseeded if it diverged)',
  },
  'seed-from': {
    type: 'string',
    description:
      'how an empty or diverged slave is seeded: dump, backup (the newest physical backup + GTID catch-up) or auto',
    default: 'auto',
  },
  'backup-max-age': {
    type: 'number',
    description: 'with --seed-from auto: use the newest backup when it is younger than this many hours',
    default: 24,
  },
} as const;

/** The replication runbook; the local environment hands down how to swap a slave's data dir (seeding from a backup). */
export function replicationRunbookWith(
  replacerFor: (inventory: Inventory) => NodeReplacer | undefined = () => undefined,
): RunbookDefinition<typeof flags> {
  return {
    name: 'replication',
    summary:
      'Makes every slave of the inventory replicate from the master with GTID auto-positioning: checks server ids, binlog\n' +
      'and GTID settings, keeps a REPLICATION SLAVE-only user on every node, seeds an empty or diverged slave (from the\n' +
      'newest physical backup plus GTID catch-up when one is recent, else from a consistent dump), and verifies with a\n' +
      'marker written on the master and read back from each slave.',
    flags,
    changesTopology: true,
    validate: (f) => {
      if (!['dump', 'backup', 'auto'].includes(f['seed-from']))
        throw new UsageError(`--seed-from ${f['seed-from']}: expected dump, backup or auto`);
    },
    procedure: async (run, { inventory, source, flags: f }) => {
      const replacer = replacerFor(inventory);
      const seedFrom = f['seed-from'] as SeedSource;
      if (seedFrom === 'backup' && !replacer)
        throw new UsageError(
          '--seed-from backup: this environment cannot swap a slave data dir from here (local only)',
        );
      const backup = replacer
        ? backupToSeedFrom(fullBackupsDir(backupRoot(source.stateDir)), seedFrom, f['backup-max-age'])
        : undefined;
      if (backup && replacer && !f.rejoin)
        await seedSlavesFromBackup(run, inventory, backup, source.stateDir, replacer);
      await replicationProcedure(run, inventory, { rejoin: f.rejoin, source });
    },
  };
}

export const replicationRunbook = replicationRunbookWith();
