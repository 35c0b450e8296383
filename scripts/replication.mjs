#!/usr/bin/env zx
// Master → every slave of the inventory: preflight, replication user, GTID replication, marker check.
import './lib/typescript.mjs';

const { scriptArgs } = await import('../toolkit/procedure/args.ts');
const { runbookMain } = await import('../toolkit/procedure/main.ts');
const { replicationProcedure } = await import('../toolkit/mysql/replication.ts');

process.exitCode = await runbookMain(
  {
    name: 'replication',
    summary:
      'Makes every slave of the inventory replicate from the master with GTID auto-positioning: checks server ids, binlog\n' +
      'and GTID settings, keeps a REPLICATION SLAVE-only user on every node, seeds an empty or diverged slave from a\n' +
      'consistent snapshot, and verifies with a marker written on the master and read back from each slave.',
    flags: {
      rejoin: {
        type: 'string',
        description: 'bring a fenced former master back as a slave (reseeded if it diverged)',
      },
    },
    procedure: (run, { inventory, source, flags }) =>
      replicationProcedure(run, inventory, { rejoin: flags.rejoin, source }),
  },
  scriptArgs(import.meta.url),
);
