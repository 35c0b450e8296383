import { UsageError } from '../procedure/errors.ts';
import type { RunbookDefinition } from '../procedure/main.ts';
import { isRotatable, rotatableAccount, rotatableNames } from './rotatable-accounts.ts';
import { rotatePasswordProcedure } from './rotate-password.ts';

const flags = {
  resume: {
    type: 'boolean',
    description: 'finish a pending rotation only; with none pending, check and change nothing',
    default: false,
  },
} as const;

export const rotatePasswordRunbook: RunbookDefinition<typeof flags> = {
  name: 'rotate-password',
  summary:
    "Rotates a MySQL account's password with no outage: a new password (never printed) accepted beside the\n" +
    'old one on every node, stored where the environment keeps it (local: .local/secrets.json; a stack: the\n' +
    '`pulumi config set --secret` step it prints), its clients restarted one at a time, then the old one\n' +
    `refused. A rerun resumes an interrupted rotation. Accounts: ${rotatableNames.join(', ')}.`,
  flags,
  positionalUsage: '<account>',
  // Holds the environment's operation lock: two rotations, or a rotation and a failover, never overlap.
  changesTopology: true,
  validate: (_flags, positionals) => {
    const [name, ...rest] = positionals;
    if (!name || rest.length)
      throw new UsageError(`name one account to rotate: ${rotatableNames.join(', ')}`);
    if (!isRotatable(name))
      throw new UsageError(`unknown account '${name}': rotatable accounts are ${rotatableNames.join(', ')}`);
  },
  procedure: (run, { inventory, source, flags: f, positionals }) => {
    const name = positionals[0]!;
    if (!isRotatable(name)) throw new UsageError(`unknown account '${name}'`);
    return rotatePasswordProcedure(run, inventory, source, rotatableAccount(inventory, name), {
      resume: f.resume,
    });
  },
};
