import { UsageError } from '../procedure/errors.ts';
import type { RunbookDefinition } from '../procedure/main.ts';
import { failoverProcedure } from './failover.ts';

const flags = {
  switchover: {
    type: 'boolean',
    description: 'move a live master deliberately (fence it first, lose nothing)',
    default: false,
  },
  candidate: {
    type: 'string',
    description: 'slave to promote (refused if it lacks transactions another slave has)',
  },
  force: {
    type: 'boolean',
    description: 'promote even when the candidate lacks transactions another node holds (they are lost)',
    default: false,
  },
  'catch-up-timeout': {
    type: 'number',
    description: 'seconds slaves get to apply their relay logs',
    default: 60,
  },
} as const;

export const failoverRunbook: RunbookDefinition<typeof flags> = {
  name: 'failover',
  summary:
    'When the master is down (or with --switchover while it is up), lets every slave apply what it received,\n' +
    'promotes the slave with the most complete GTID set, repoints the others to it, fences the old master,\n' +
    'records the new topology in the inventory, re-establishes semi-sync and reports how many transactions\n' +
    'acknowledged by the old master are missing on the new one (missing_acknowledged=N). Safe mode: when that\n' +
    'would be above 0 it promotes nothing, names the transactions by GTID and leaves the topology as found,\n' +
    'unless --force. A healthy master is left alone.',
  flags,
  changesTopology: true,
  validate: (f) => {
    if (!(f['catch-up-timeout'] > 0))
      throw new UsageError('--catch-up-timeout must be a positive number of seconds');
  },
  procedure: (run, { inventory, source, flags: f }) =>
    failoverProcedure(run, inventory, source, {
      switchover: f.switchover,
      candidate: f.candidate,
      catchUpTimeoutMs: f['catch-up-timeout'] * 1000,
      force: f.force,
    }),
};
