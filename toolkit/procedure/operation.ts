import { hostname, userInfo } from 'node:os';
import { type AuditEntry, appendAuditEntry } from './audit-log.ts';
import {
  acquireOperationLock,
  describeHolder,
  type LockHolder,
  type OperationLock,
} from './operation-lock.ts';
import type { RunbookReport } from './types.ts';

/**
 * A run of a runbook that changes the topology: it holds the environment's operation lock from
 * before its first step to after its last, and leaves one line in the environment's audit log
 * whatever happens (done, failed, or refused because another run holds the lock).
 */
export class Operation {
  private readonly startedAt = new Date().toISOString();

  private constructor(
    private readonly dir: string,
    private readonly words: string[],
    private readonly lock: OperationLock | undefined,
    readonly tookOverFrom: LockHolder | undefined,
  ) {}

  /** Takes the lock, or records the refusal and returns its one-line reason. */
  static begin(
    dir: string,
    runbook: string,
    env: string,
    words: string[],
  ): { operation: Operation } | { refused: string } {
    const attempt = acquireOperationLock(dir, runbook, env);
    if (attempt.acquired) return { operation: new Operation(dir, words, attempt.lock, attempt.tookOverFrom) };
    const refused = `refused: ${describeHolder(attempt.holder)} holds the operation lock of ${env}; ${attempt.why}`;
    new Operation(dir, words, undefined, undefined).record(
      { runbook, env, changed: 0, steps: [] },
      'refused',
      refused,
      attempt.holder,
    );
    return { refused };
  }

  /** Appends the run's report to the audit log, then lets the next operator in. */
  finish(report: RunbookReport, failure: string | undefined): void {
    try {
      this.record(report, failure ? 'failed' : 'ok', failure);
    } finally {
      this.lock?.release();
    }
  }

  private record(
    report: RunbookReport,
    outcome: AuditEntry['outcome'],
    error: string | undefined,
    heldBy?: LockHolder,
  ): void {
    appendAuditEntry(this.dir, {
      ...report,
      outcome,
      ...(error ? { error } : {}),
      startedAt: this.startedAt,
      finishedAt: new Date().toISOString(),
      pid: process.pid,
      host: hostname(),
      user: userInfo().username,
      args: this.words,
      ...(heldBy ? { heldBy } : {}),
      ...(this.tookOverFrom ? { tookOverFrom: this.tookOverFrom } : {}),
    });
  }
}
