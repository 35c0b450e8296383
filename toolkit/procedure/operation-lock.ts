import { randomUUID } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ToolkitError } from './errors.ts';

/** Who holds an environment's operation lock. */
export interface LockHolder {
  runbook: string;
  env: string;
  pid: number;
  host: string;
  startedAt: string;
}

export type LockAttempt =
  | { acquired: true; lock: OperationLock; tookOverFrom?: LockHolder }
  | { acquired: false; holder: LockHolder; why: string };

const lockFile = 'operation.lock';

/**
 * One operator at a time: the lock is a file in the environment's state dir naming its holder. It
 * is created whole or not at all (written aside, then hard-linked into place, which fails when the
 * file exists), so a reader never sees half a holder. A holder whose pid is gone from this host is
 * stale and is taken over, under a second marker file so that two runs cannot both take it over.
 */
export function acquireOperationLock(
  dir: string,
  runbook: string,
  env: string,
  file = lockFile,
): LockAttempt {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, file);
  const me: LockHolder = {
    runbook,
    env,
    pid: process.pid,
    host: hostname(),
    startedAt: new Date().toISOString(),
  };
  const mine = JSON.stringify(me);
  // A few rounds: a holder may release between our failed create and our read.
  for (let round = 0; round < 5; round++) {
    if (place(path, mine)) return { acquired: true, lock: new OperationLock(path, mine) };
    const held = readHolder(path);
    if (!held) continue;
    if (!isStale(held.holder))
      return { acquired: false, holder: held.holder, why: whyHeld(held.holder, path) };
    const takeover = takeOver(path, held, mine);
    if (takeover === 'taken')
      return { acquired: true, lock: new OperationLock(path, mine), tookOverFrom: held.holder };
    if (takeover !== 'retry') return takeover;
  }
  throw new ToolkitError(`cannot take the lock ${path}: it keeps changing hands`);
}

/** The held lock; released only by its holder, and only while the file still names it. */
export class OperationLock {
  constructor(
    readonly path: string,
    private readonly content: string,
  ) {}

  get holder(): LockHolder {
    return JSON.parse(this.content) as LockHolder;
  }

  release(): void {
    if (readHolder(this.path)?.text === this.content) unlinkSync(this.path);
  }
}

/** "failover (pid 4242 on db-admin-1, since 2026-12-07T08:51:02.000Z)" */
export function describeHolder(holder: LockHolder): string {
  return `${holder.runbook} (pid ${holder.pid} on ${holder.host}, since ${holder.startedAt})`;
}

function whyHeld(holder: LockHolder, path: string): string {
  return holder.host === hostname()
    ? 'it is still running'
    : `it runs on another host, so whether it is alive cannot be told from here: remove ${path} only if it is not`;
}

type Held = { holder: LockHolder; text: string };

/**
 * Replaces a stale lock. The marker file makes the takeover a critical section: whoever creates it
 * checks the lock is still the stale one and puts its own in its place, then drops the marker.
 */
function takeOver(path: string, stale: Held, mine: string): 'taken' | 'retry' | LockAttempt {
  const marker = `${path}.takeover`;
  if (!place(marker, mine)) {
    const other = readHolder(marker);
    if (!other) return 'retry';
    const why = isStale(other.holder)
      ? `its takeover of a stale lock was interrupted: remove ${marker}`
      : 'it is taking over a stale lock';
    return { acquired: false, holder: other.holder, why };
  }
  try {
    const now = readHolder(path);
    if (!now || now.text !== stale.text) return 'retry';
    // Replaced in one rename, never removed first: a plain taker would find the path free in between.
    const aside = `${path}.${process.pid}.${randomUUID()}`;
    writeFileSync(aside, `${mine}\n`, { mode: 0o600 });
    renameSync(aside, path);
    return 'taken';
  } finally {
    unlinkSync(marker);
  }
}

/** Creates `path` with its whole content, or returns false when it exists. */
function place(path: string, content: string): boolean {
  const aside = `${path}.${process.pid}.${randomUUID()}`;
  writeFileSync(aside, `${content}\n`, { mode: 0o600 });
  try {
    linkSync(aside, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(aside);
  }
}

function readHolder(path: string): Held | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    return { holder: JSON.parse(text) as LockHolder, text };
  } catch {
    throw new ToolkitError(`the lock ${path} is unreadable: remove it if no runbook is running`);
  }
}

/** A holder on this host whose process is gone. EPERM means the process exists (another user's). */
function isStale(holder: LockHolder): boolean {
  if (holder.host !== hostname()) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
