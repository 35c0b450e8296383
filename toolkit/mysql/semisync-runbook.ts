import type { RunbookDefinition } from '../procedure/main.ts';
import { semisyncProcedure } from './semisync.ts';

export const semisyncRunbook: RunbookDefinition<Record<string, never>> = {
  name: 'semisync',
  summary:
    'Enables semi-sync by the server flavor (MySQL 5.7/8 plugins, MariaDB built in) on the slaves, then the master\n' +
    '(wait point AFTER_SYNC, timeout from the inventory), restarts IO threads that still replicate asynchronously,\n' +
    'persists the settings, and verifies: master status ON, one client per slave, acknowledged commits growing.',
  changesTopology: true,
  procedure: (run, { inventory }) => semisyncProcedure(run, inventory),
};
