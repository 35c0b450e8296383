import type { Inventory } from '../inventory/schema.ts';
import { ToolkitError, UsageError } from '../procedure/errors.ts';
import type { RunbookDefinition } from '../procedure/main.ts';
import { backupProcedure } from './backup.ts';
import { takeBackupLock } from './backup-lock.ts';
import { discardRestoredServer, listRestoredServers, restoredServerRunning } from './instance.ts';
import { backupRoot, fullBackupsDir, restoresDir } from './layout.ts';
import { listBackups } from './manifest.ts';
import { type NodeReplacer, restoreProcedure } from './restore.ts';
import { targetFromFlags } from './target.ts';
import { verifyBackup } from './verify.ts';

const backupFlags = {
  from: { type: 'string', description: 'the slave to copy (default: the last slave of the inventory)' },
  dir: { type: 'string', description: 'where backups live (default: <state dir>/backups)' },
  keep: { type: 'number', description: 'retention: always keep this many newest backups', default: 7 },
  'keep-days': { type: 'number', description: 'retention: keep every backup younger than this', default: 14 },
  verify: {
    type: 'boolean',
    description: 'restore the newest backup into a throwaway server and compare table checksums',
    default: false,
  },
  'verify-only': {
    type: 'boolean',
    description: 'with --verify: take no new backup, verify the newest',
    default: false,
  },
} as const;

export const backupRunbook: RunbookDefinition<typeof backupFlags> = {
  name: 'backup',
  summary:
    'A physical backup (mariabackup) of a slave, never stopping the master: its SQL thread paused at a GTID while the\n' +
    'copy streams compressed and hashed, every table checksummed at that GTID, a manifest, retention (--keep N and\n' +
    '--keep-days D). --verify restores the newest backup into a throwaway server and compares the checksums.',
  flags: backupFlags,
  validate: (f) => {
    if (f.keep < 1) throw new UsageError('--keep must be at least 1');
    if (f['keep-days'] < 0) throw new UsageError('--keep-days must be 0 or more');
    if (f['verify-only'] && !f.verify) throw new UsageError('--verify-only goes with --verify');
  },
  procedure: async (run, { inventory, source, flags: f }) => {
    const root = backupRoot(source.stateDir, f.dir);
    await takeBackupLock(run, fullBackupsDir(root), inventory.name);
    if (!f['verify-only'])
      await backupProcedure(run, inventory, inventory.name, {
        dir: fullBackupsDir(root),
        from: f.from,
        retention: { keep: f.keep, days: f['keep-days'] },
      });
    if (!f.verify) return;
    const newest = listBackups(fullBackupsDir(root)).at(-1);
    if (!newest) throw new ToolkitError(`no backup in ${fullBackupsDir(root)} to verify`);
    await verifyBackup(run, inventory, source.stateDir, newest);
  },
};

const restoreFlags = {
  to: {
    type: 'string',
    description: "the moment: 'YYYY-MM-DD HH:MM:SS' in the server's time zone, or ISO 8601",
  },
  'to-gtid': { type: 'string', description: 'the last transaction to include (a GTID position)' },
  'before-statement': {
    type: 'string',
    description: 'stop right before the last archived transaction with this statement',
  },
  port: { type: 'number', description: 'port of the restored server (default: a free one)' },
  dir: { type: 'string', description: 'where backups live (default: <state dir>/backups)' },
  replace: {
    type: 'string',
    description: 'put the restored data in place of this FENCED node (operation lock, audit log)',
  },
  discard: { type: 'string', description: 'stop a server an earlier restore started and delete its files' },
} as const;

/** restore.mjs; the local environment hands down how to swap a fenced node's data dir (--replace). */
export function restoreRunbook(
  replacerFor: (inventory: Inventory) => NodeReplacer | undefined = () => undefined,
): RunbookDefinition<typeof restoreFlags> {
  return {
    name: 'restore',
    summary:
      'Restores the newest backup before a moment and replays the binlog archive up to it into a NEW server\n' +
      '(--to <time> | --to-gtid <gtid> | --before-statement <text>), verifies the GTID reached and prints its address\n' +
      '(--json: result.host, result.port). --replace <node> puts it in place of a fenced node; --discard <name> removes one.',
    flags: restoreFlags,
    changesTopology: (f) => f.replace !== undefined,
    validate: (f) => {
      if (f.discard !== undefined) return;
      targetFromFlags(f);
      if (f.port !== undefined && (f.port < 1 || f.port > 65535))
        throw new UsageError('--port must be a port number');
    },
    procedure: async (run, { inventory, source, flags: f }) => {
      if (f.discard !== undefined) {
        const server = listRestoredServers(restoresDir(source.stateDir)).find((s) => s.name === f.discard);
        if (!server) throw new ToolkitError(`--discard ${f.discard}: no restored server of that name`);
        await run.action(
          'discarded',
          server.name,
          `stop pid ${server.pid}, remove ${server.dir}`,
          async () => {
            const running = restoredServerRunning(server);
            await discardRestoredServer(server, true);
            return running ? `stopped pid ${server.pid}, removed ${server.dir}` : `removed ${server.dir}`;
          },
        );
        return;
      }
      await restoreProcedure(run, inventory, {
        root: backupRoot(source.stateDir, f.dir),
        stateDir: source.stateDir,
        target: (offset) => targetFromFlags(f, offset),
        port: f.port,
        replace: f.replace,
        replacer: replacerFor(inventory),
      });
    },
  };
}
