#!/usr/bin/env zx
// Semi-synchronous replication on the master and its slaves, verified by status counters.
import './lib/typescript.mjs';

const { scriptArgs } = await import('../toolkit/procedure/args.ts');
const { runbookMain } = await import('../toolkit/procedure/main.ts');
const { semisyncProcedure } = await import('../toolkit/mysql/semisync.ts');

process.exitCode = await runbookMain(
  {
    name: 'semisync',
    summary:
      'Enables semi-sync by the server flavor (MySQL 5.7/8 plugins, MariaDB built in) on the slaves, then the master\n' +
      '(wait point AFTER_SYNC, timeout from the inventory), restarts IO threads that still replicate asynchronously,\n' +
      'persists the settings, and verifies: master status ON, one client per slave, acknowledged commits growing.',
    procedure: (run, { inventory }) => semisyncProcedure(run, inventory),
  },
  scriptArgs(import.meta.url),
);
