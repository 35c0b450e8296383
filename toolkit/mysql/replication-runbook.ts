import type { RunbookDefinition } from '../procedure/main.ts';
import { replicationProcedure } from './replication.ts';

const flags = {
  rejoin: {
    type: 'string',
    description: 'bring a fenced former master back as a slave (reseeded if it diverged)',
  },
} as const;

export const replicationRunbook: RunbookDefinition<typeof flags> = {
  name: 'replication',
  summary:
    'Makes every slave of the inventory replicate from the master with GTID auto-positioning: checks server ids, binlog\n' +
    'and GTID settings, keeps a REPLICATION SLAVE-only user on every node, seeds an empty or diverged slave from a\n' +
    'consistent snapshot, and verifies with a marker written on the master and read back from each slave.',
  flags,
  changesTopology: true,
  procedure: (run, { inventory, source, flags: f }) =>
    replicationProcedure(run, inventory, { rejoin: f.rejoin, source }),
};
