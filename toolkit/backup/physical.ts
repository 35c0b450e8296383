import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { execa } from 'execa';
import { findBinary } from '../host/binaries.ts';
import { collectText, exitOf } from '../host/child-output.ts';
import type { PhysicalBackupTools } from '../mysql/flavor.ts';
import { ToolkitError } from '../procedure/errors.ts';

type ToolKind = keyof Omit<PhysicalBackupTools, 'positionFile'>;

/** The binary of one of the flavor's backup tools, or a one-line error saying what is missing. */
export function backupTool(tools: PhysicalBackupTools, kind: ToolKind): string {
  const path = findBinary(tools[kind]);
  if (path) return path;
  const mysql = tools.backup.includes('xtrabackup');
  throw new ToolkitError(
    mysql
      ? `${tools[kind].join(' or ')} not found: MySQL's physical backups need Percona XtraBackup, which this machine cannot run (no MySQL server here)`
      : `${tools[kind].join(' or ')} not found: apt-get install mariadb-backup mariadb-client`,
  );
}

export interface StreamedBackup {
  rawBytes: number;
  bytes: number;
  sha256: string;
}

/**
 * Streams a physical backup of the server whose data dir is `datadir` (it must be on this host) into
 * one gzip file, hashing what is written: nothing lands uncompressed on disk. The option file holds
 * the login (never the arguments).
 */
export async function streamBackup(options: {
  tools: PhysicalBackupTools;
  optionFile: string;
  datadir: string;
  workDir: string;
  archive: string;
  onProgress(rawBytes: number): void;
}): Promise<StreamedBackup> {
  mkdirSync(options.workDir, { recursive: true });
  const child = spawn(
    backupTool(options.tools, 'backup'),
    [
      `--defaults-file=${options.optionFile}`,
      '--backup',
      '--stream=xbstream',
      `--datadir=${options.datadir}`,
      `--target-dir=${options.workDir}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const log = collectText(child.stderr, { limit: 16384, keep: 'tail' });
  let rawBytes = 0;
  const count = new Transform({
    transform(chunk: Buffer, _enc, done) {
      rawBytes += chunk.length;
      options.onProgress(rawBytes);
      done(null, chunk);
    },
  });
  const hash = createHash('sha256');
  let bytes = 0;
  const digest = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  const exit = exitOf(child);
  // Level 1: on two shared cores the backup must not be held up by its own compression.
  await pipeline(
    child.stdout,
    count,
    createGzip({ level: 1 }),
    digest,
    createWriteStream(options.archive, { mode: 0o600 }),
  );
  const code = await exit;
  const text = await log;
  if (code !== 0 || !/completed OK!/.test(text))
    throw new ToolkitError(`${options.tools.backup[0]} failed (exit ${code}): ${lastMeaningfulLine(text)}`);
  return { rawBytes, bytes, sha256: hash.digest('hex') };
}

/** SHA-256 of a file, streamed. */
export async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/**
 * Unpacks a backup archive into `dir` and prepares it (applies the redo log copied with it), so the
 * directory is a data dir a server can start on. The archive's checksum is checked first: a
 * damaged backup is refused, not restored. Returns the GTID the copy is consistent with.
 */
export async function extractBackup(options: {
  tools: PhysicalBackupTools;
  archive: string;
  sha256: string;
  dir: string;
}): Promise<{ gtid: string }> {
  const actual = await sha256Of(options.archive);
  if (actual !== options.sha256)
    throw new ToolkitError(
      `${options.archive}: SHA-256 ${actual.slice(0, 12)}… differs from the manifest's ${options.sha256.slice(0, 12)}…: the backup is damaged`,
    );
  mkdirSync(options.dir, { recursive: true, mode: 0o700 });
  const unpack = spawn(backupTool(options.tools, 'extract'), ['-x', '-C', options.dir], {
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  const log = collectText(unpack.stderr, { limit: 16384, keep: 'tail' });
  const exit = exitOf(unpack);
  await pipeline(createReadStream(options.archive), createGunzip(), unpack.stdin);
  const code = await exit;
  if (code !== 0)
    throw new ToolkitError(`unpacking ${options.archive} failed: ${lastMeaningfulLine(await log)}`);
  const prepared = await execa(
    backupTool(options.tools, 'backup'),
    ['--prepare', `--target-dir=${options.dir}`],
    {
      reject: false,
    },
  );
  if (prepared.exitCode !== 0)
    throw new ToolkitError(`preparing ${options.dir} failed: ${lastMeaningfulLine(prepared.stderr)}`);
  return { gtid: positionGtid(readFileSync(join(options.dir, options.tools.positionFile), 'utf8')) };
}

/** The GTID of xtrabackup_binlog_info: "file<TAB>position<TAB>gtid" (MySQL's set may span lines). */
export function positionGtid(text: string): string {
  const [, , ...rest] = text.trim().split(/\t/);
  return rest.join('').replace(/\s+/g, '');
}

function lastMeaningfulLine(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.reverse().find((l) => /error|fail|denied|cannot/i.test(l)) ?? lines[0] ?? 'no output';
}
