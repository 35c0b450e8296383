import { closeSync, fchmodSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { LockHolder } from './operation-lock.ts';
import { redact } from './redact.ts';
import type { RunbookReport } from './types.ts';

/** One line of the audit log: the run's --json report and who ran it, when, with which words. */
export interface AuditEntry extends RunbookReport {
  outcome: 'ok' | 'failed' | 'refused';
  error?: string;
  startedAt: string;
  finishedAt: string;
  pid: number;
  host: string;
  user: string;
  args: string[];
  /** A refused run: who held the lock. */
  heldBy?: LockHolder;
  /** A run that found the lock left by a dead process and took it over. */
  tookOverFrom?: LockHolder;
}

export const auditLogFile = (dir: string): string => join(dir, 'audit.log');

/**
 * Appends one JSON line (secrets masked) to the environment's audit log, readable by its owner
 * only. One write of one line in append mode, so lines of runs that end together do not interleave.
 */
export function appendAuditEntry(dir: string, entry: AuditEntry): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const fd = openSync(auditLogFile(dir), 'a', 0o600);
  try {
    // A file made by hand, or before this rule, is narrowed too.
    fchmodSync(fd, 0o600);
    writeSync(fd, `${redact(JSON.stringify(entry))}\n`);
  } finally {
    closeSync(fd);
  }
}

/** Every entry, oldest first; an absent log is empty. */
export function readAuditLog(dir: string): AuditEntry[] {
  let text: string;
  try {
    text = readFileSync(auditLogFile(dir), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as AuditEntry);
}
