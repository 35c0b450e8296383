import type { FeedEvent, Op } from './load.ts';

const isWrite = (op: Op) => op.kind !== 'read';
const ok = (op: Op) => op.status === 200;

/** The first write started at or after `at` that the app accepted (by when its answer came). */
export function firstAcceptedWrite(ops: readonly Op[], at: number): Op | undefined {
  let first: Op | undefined;
  for (const op of ops)
    if (isWrite(op) && ok(op) && op.startedAt >= at && (!first || op.endedAt < first.endedAt)) first = op;
  return first;
}

export interface RequestCounts {
  total: number;
  ok: number;
  failed: number;
  /** Failed answers by status (0: no answer), e.g. {"503": 12}. */
  byStatus: Record<string, number>;
  /** Requests sent a second time because their kept-alive connection was closed unread (as browsers do). */
  retried: number;
}

export function countRequests(ops: readonly Op[]): RequestCounts {
  const byStatus: Record<string, number> = {};
  let okCount = 0;
  for (const op of ops) {
    if (ok(op)) okCount++;
    else byStatus[String(op.status)] = (byStatus[String(op.status)] ?? 0) + 1;
  }
  const retried = ops.filter((op) => op.retried).length;
  return { total: ops.length, ok: okCount, failed: ops.length - okCount, byStatus, retried };
}

export interface FailoverFigures {
  /** From the SIGKILL to the answer of the first write (started after it) the app accepted; null: none. */
  firstAcceptedWriteMs: number | null;
  writes: RequestCounts;
  reads: RequestCounts;
  /** Writes refused between the kill and the first accepted write (503 with retry-after, by design). */
  writesRefusedInWindow: number;
  /** Writes that failed outside that window: each one is a defect. */
  writesFailedOutsideWindow: number;
  acknowledged: number;
}

export function failoverFigures(ops: readonly Op[], killedAt: number): FailoverFigures {
  const writes = ops.filter(isWrite);
  const first = firstAcceptedWrite(ops, killedAt);
  const windowEnd = first ? first.endedAt : Number.POSITIVE_INFINITY;
  // A write in the window: it was still waiting for an answer at the kill or started before writes came back.
  const inWindow = (op: Op) => op.endedAt >= killedAt && op.startedAt <= windowEnd;
  const failed = writes.filter((op) => !ok(op));
  return {
    firstAcceptedWriteMs: first ? first.endedAt - killedAt : null,
    writes: countRequests(writes),
    reads: countRequests(ops.filter((op) => !isWrite(op))),
    writesRefusedInWindow: failed.filter(inWindow).length,
    writesFailedOutsideWindow: failed.filter((op) => !inWindow(op)).length,
    acknowledged: writes.filter((op) => op.id).length,
  };
}

export interface InstanceKillFigures {
  requests: RequestCounts;
  /** Failed requests that were waiting for their answer while the instance died: expected. */
  failedInFlight: number;
  /** Failed requests sent after the kill (or done before it): each one is a defect. */
  failedOther: number;
  failures: Array<{ kind: string; status: number; startedMs: number; endedMs: number; error?: string }>;
}

/**
 * `diedAt`: when the instance was seen gone. Between the SIGKILL and then its sockets still exist, so a
 * request nginx hands it in that window dies with it: in flight too, not a defect.
 */
export function instanceKillFigures(
  ops: readonly Op[],
  killedAt: number,
  diedAt = killedAt,
): InstanceKillFigures {
  const failed = ops.filter((op) => !ok(op));
  const inFlight = (op: Op) => op.startedAt <= diedAt && op.endedAt >= killedAt;
  return {
    requests: countRequests(ops),
    failedInFlight: failed.filter(inFlight).length,
    failedOther: failed.filter((op) => !inFlight(op)).length,
    failures: failed.slice(0, 20).map((op) => ({
      kind: op.kind,
      status: op.status,
      startedMs: op.startedAt - killedAt,
      endedMs: op.endedAt - killedAt,
      ...(op.error ? { error: op.error } : {}),
    })),
  };
}

export interface FeedFigures {
  messages: number;
  /** Closes the client did not ask for (its own close at the end is not counted). */
  drops: number;
  /** Acknowledged posts the WebSocket delivered. */
  deliveredAcknowledged: number;
}

export function feedFigures(feed: readonly FeedEvent[], ops: readonly Op[], endedAt: number): FeedFigures {
  const delivered = new Set<string>();
  for (const e of feed)
    if (e.kind === 'message') {
      try {
        const id = (JSON.parse(e.detail ?? '{}') as { postId?: string }).postId;
        if (id) delivered.add(String(id));
      } catch {
        // Not a post message: counted, not matched.
      }
    }
  return {
    messages: feed.filter((e) => e.kind === 'message').length,
    drops: feed.filter((e) => e.kind === 'close' && e.at < endedAt).length,
    deliveredAcknowledged: ops.filter((op) => op.kind === 'post' && op.id && delivered.has(op.id)).length,
  };
}

export interface Bucket {
  at: number;
  writesOk: number;
  writesFailed: number;
  readsOk: number;
  readsFailed: number;
}

/** Answers per time slice (by when the answer came), for the timeline. */
export function buckets(ops: readonly Op[], from: number, to: number, sliceMs: number): Bucket[] {
  const count = Math.max(1, Math.ceil((to - from) / sliceMs));
  const out: Bucket[] = Array.from({ length: count }, (_, i) => ({
    at: from + i * sliceMs,
    writesOk: 0,
    writesFailed: 0,
    readsOk: 0,
    readsFailed: 0,
  }));
  for (const op of ops) {
    const i = Math.floor((op.endedAt - from) / sliceMs);
    const b = out[Math.min(Math.max(i, 0), count - 1)]!;
    if (isWrite(op)) ok(op) ? b.writesOk++ : b.writesFailed++;
    else ok(op) ? b.readsOk++ : b.readsFailed++;
  }
  return out;
}
