/**
 * What the health agent knows of one node, and the word it answers HAProxy's agent-check with.
 * Pure: the agent (agent.ts) fills NodeHealth from its polls; this decides.
 */
import type { EpochRow } from './writer-epoch.ts';

/** The backends' roles a server line can ask about (its `agent-send "<role> <node>\n"`). */
export type Role = 'writer' | 'reader' | 'fallback';
export const roles: readonly Role[] = ['writer', 'reader', 'fallback'];

export interface ReplicaHealth {
  ioRunning: boolean;
  sqlRunning: boolean;
  /** Seconds_Behind_Master; null while the server cannot tell (a thread stopped, just started). */
  lagSeconds: number | null;
  /** The last poll that saw it replicating (both threads, known lag): when, and its lag then. */
  lastReplicating?: { at: number; lagSeconds: number };
}

export interface NodeHealth {
  /** When the last poll answered (ms since the epoch); 0 before the first answer. */
  polledAt: number;
  readOnly: boolean;
  serverId: number;
  /** Absent when the node replicates from no one (a master, a fenced node). */
  replica?: ReplicaHealth;
  /** Why the last poll failed, when it did; cleared by the next answer. */
  error?: string;
  /** Follow mode only: its toolkit.topology_epoch row, absent when it has none (writer-epoch.ts). */
  epoch?: EpochRow;
  /** Follow mode only: why the row could not be read (no table yet, no SELECT on it). */
  epochError?: string;
}

export interface Judgement {
  /** `up`, or `down #<reason>`: the only words the agent speaks (see agentWord). */
  up: boolean;
  reason: string;
}

export interface JudgeOptions {
  now: number;
  /** A poll older than this is no evidence: the node answers `down`. */
  staleAfterMs: number;
  maxLagSeconds: number;
}

/**
 * writer and fallback: writable (read_only=0), from a fresh poll. reader: replicating with both
 * threads running and a known lag within maxLagSeconds, or, with its IO thread stopped (or its lag
 * unknown), for as long as its last known lag plus the time since stays within maxLagSeconds. Which node is the master in the inventory
 * is not the agent's to judge: HAProxy's admin state holds that (rendered config, switchWriter).
 */
export function judge(role: Role, health: NodeHealth | undefined, options: JudgeOptions): Judgement {
  if (!health || health.polledAt === 0)
    return { up: false, reason: health?.error ? `unreachable: ${health.error}` : 'not polled yet' };
  const age = options.now - health.polledAt;
  if (health.error || age > options.staleAfterMs)
    return { up: false, reason: `no answer for ${age} ms${health.error ? `: ${health.error}` : ''}` };
  if (role === 'writer' || role === 'fallback')
    return health.readOnly ? { up: false, reason: 'read_only' } : { up: true, reason: 'writable' };
  const replica = health.replica;
  if (!replica) return { up: false, reason: 'not replicating' };
  if (!replica.sqlRunning) return { up: false, reason: 'sql thread stopped' };
  if (!replica.ioRunning || replica.lagSeconds === null) {
    // Its master died, or a failover stopped its IO thread: what it holds is frozen, and no staler than
    // its lag when last seen replicating plus the time since. Within the limit it keeps serving reads,
    // so a failover does not take every reader away with the master.
    const last = replica.lastReplicating;
    const bound = last ? last.lagSeconds + (options.now - last.at) / 1000 : Number.POSITIVE_INFINITY;
    const why = replica.ioRunning ? 'lag unknown' : 'io thread stopped';
    if (bound <= options.maxLagSeconds)
      return { up: true, reason: `${why}, at most ${bound.toFixed(1)} s behind` };
    return { up: false, reason: why };
  }
  if (replica.lagSeconds > options.maxLagSeconds)
    return { up: false, reason: `lag ${replica.lagSeconds} s > ${options.maxLagSeconds} s` };
  return { up: true, reason: `lag ${replica.lagSeconds} s` };
}

/**
 * The agent-check reply. Only `up` and `down`: HAProxy shares `maint`, `ready` and `drain` with its
 * runtime API, so an agent saying `ready` would undo the maint a failover set. The reason follows
 * `#` after a space (HAProxy does not parse `down#x` as down) and shows in its stats.
 */
export function agentWord(judgement: Judgement): string {
  return judgement.up ? 'up\n' : `down #${judgement.reason.replace(/[\r\n]+/g, ' ').slice(0, 120)}\n`;
}

/** `"<role> <node>"` as the server line sends it; undefined for anything else. */
export function parseRequest(line: string): { role: Role; node: string } | undefined {
  const m = /^(writer|reader|fallback) ([a-z][a-z0-9_-]{0,62})$/.exec(line.trim());
  return m ? { role: m[1] as Role, node: m[2]! } : undefined;
}
