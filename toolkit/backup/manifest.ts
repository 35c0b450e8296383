import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

/** One table's checksum (CHECKSUM TABLE) and row count at the backup's GTID. */
export interface TableChecksum {
  table: string;
  rows: number;
  checksum: string;
}

/** What a backup is, written beside its archive as manifest.json once the archive is complete. */
export interface BackupManifest {
  id: string;
  env: string;
  /** The slave it was taken from, and the master it replicated from then. */
  source: { node: string; host: string; port: number; master: string };
  server: string;
  tool: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  /** The GTID position the data is at (MariaDB gtid_slave_pos / gtid_current_pos form). */
  gtid: string;
  /** Bytes mariabackup streamed, and the compressed archive's size and SHA-256. */
  rawBytes: number;
  archive: { file: string; bytes: number; sha256: string; compression: 'gzip' };
  tables: TableChecksum[];
}

export interface StoredBackup {
  dir: string;
  manifest: BackupManifest;
}

export const manifestFile = 'manifest.json';
export const archiveFile = 'backup.xbstream.gz';

/** A sortable, filesystem-safe id from the backup's start time. */
export function backupId(at: Date): string {
  return at.toISOString().replace(/[:.]/g, '-');
}

/** Complete backups (those with a manifest), oldest first. A directory without one is a backup that died. */
export function listBackups(dir: string): StoredBackup[] {
  if (!existsSync(dir)) return [];
  const found: StoredBackup[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const file = join(dir, entry.name, manifestFile);
    if (!existsSync(file)) continue;
    found.push({
      dir: join(dir, entry.name),
      manifest: JSON.parse(readFileSync(file, 'utf8')) as BackupManifest,
    });
  }
  return found.sort((a, b) => a.manifest.startedAt.localeCompare(b.manifest.startedAt));
}

/**
 * A folder without a manifest that nothing has written into for this long is a backup that died: a
 * running copy writes its archive continuously, so an in-progress backup (this host's or another's
 * sharing the folder) is never this quiet.
 */
export const abandonedAfterMs = 3_600_000;

/**
 * Directories of backups that never got their manifest and were left alone for `abandonedAfterMs`
 * (a killed run): safe to delete. A younger one may be a backup in progress, and is kept.
 */
export function incompleteBackups(dir: string, now = new Date(), quietMs = abandonedAfterMs): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !existsSync(join(dir, e.name, manifestFile)))
    .map((e) => join(dir, e.name))
    .filter((path) => now.getTime() - lastWrite(path) >= quietMs);
}

/** The newest modification time of a folder or anything in it (ms). */
function lastWrite(path: string): number {
  const stat = lstatSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, lastWrite(join(path, entry)));
  return newest;
}

/** Written last, atomically: a backup counts only once its archive and checksums are all there. */
export function writeManifest(backupDir: string, manifest: BackupManifest): void {
  mkdirSync(backupDir, { recursive: true });
  const file = join(backupDir, manifestFile);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

export interface Retention {
  /** Keep at least this many of the newest backups. */
  keep: number;
  /** Keep every backup younger than this many days (0: age keeps nothing by itself). */
  days: number;
}

/**
 * The backups retention removes: those beyond the newest `keep` AND older than `days`. The newest
 * backup is never removed, whatever the settings say.
 */
export function expiredBackups<T extends { manifest: Pick<BackupManifest, 'startedAt'> }>(
  backups: T[],
  retention: Retention,
  now: Date,
): T[] {
  const newestFirst = [...backups].sort((a, b) => b.manifest.startedAt.localeCompare(a.manifest.startedAt));
  const cutoff = now.getTime() - retention.days * 86_400_000;
  return newestFirst.filter(
    (b, index) => index >= Math.max(1, retention.keep) && Date.parse(b.manifest.startedAt) < cutoff,
  );
}

export function removeBackup(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
