import { join } from 'node:path';

/**
 * Where an environment's backups live: beside its lock and audit log (the state dir of its inventory
 * source), unless --dir names another place (a mounted bucket, another disk). Inside: full/ holds the
 * physical backups (one folder each), binlog/ the archive (one folder per master it streamed from).
 */
export function backupRoot(stateDir: string, override?: string): string {
  return override ?? join(stateDir, 'backups');
}

export function fullBackupsDir(root: string): string {
  return join(root, 'full');
}

export function binlogArchiveDir(root: string): string {
  return join(root, 'binlog');
}

/** Servers restore.mjs brought up (and backup --verify's throwaway ones while they run). */
export function restoresDir(stateDir: string): string {
  return join(stateDir, 'restores');
}
