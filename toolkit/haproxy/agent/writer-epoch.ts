/**
 * Which node HAProxy's writer follows where no runbook reaches its runtime API (compose, the stacks).
 * Pure: the agent (follower.ts) fills the facts from its polls and HAProxy's `show stat`; this decides.
 *
 * Every promotion records a topology generation on the promoted master as its first write
 * (toolkit/mysql/topology-epoch.ts: `toolkit.topology_epoch`, epoch = highest seen + 1, naming the
 * master by its server_id), and it replicates to the slaves. A node "claims" an epoch when its own row
 * names its own server_id. The writer opens only the writable node claiming the highest epoch ever
 * seen, so an old master that comes back writable (a lower epoch) is never opened again.
 */

/** The one row of toolkit.topology_epoch, as a node holds it. */
export interface EpochRow {
  epoch: number;
  /** The promoted master's name when it was recorded (for people; nodes are matched by server_id). */
  master: string;
  masterServerId: number;
}

/** One node as the agent's last poll saw it. */
export interface EpochFacts {
  name: string;
  /** Answered the last poll, and it is fresh. */
  reachable: boolean;
  writable: boolean;
  serverId: number;
  /** Its epoch row; undefined when it has none (or the poll could not read it). */
  row?: EpochRow;
}

export type WriterDecision =
  | { action: 'keep'; reason: string }
  | { action: 'switch'; to: string; epoch: number; reason: string }
  | { action: 'conflict'; nodes: string[]; epoch: number; reason: string };

export interface WriterFacts {
  nodes: EpochFacts[];
  /** Nodes whose writer server HAProxy holds open (not in maint). */
  openWriters: string[];
  /** The highest epoch this agent has ever seen: a node never claims less and gets opened. */
  knownEpoch: number;
  /**
   * The config's master (a stack's `mysqlMaster`): followed only while no node holds any epoch row
   * (a cluster set up before epochs existed); once one does, only epochs count.
   */
  initialMaster: string;
}

/** The highest epoch among the rows the nodes hold and the one already known. */
export function highestEpoch(nodes: EpochFacts[], knownEpoch: number): number {
  return Math.max(knownEpoch, ...nodes.map((n) => n.row?.epoch ?? 0));
}

/**
 * keep: nothing to move (the right writer is open, or no node may be opened). switch: isolate every
 * other master-role server, open `to`'s. conflict: two writable nodes claim the highest epoch — a split
 * brain the agent must not pick a side in; it leaves HAProxy as it is and says so.
 */
export function decideWriter(facts: WriterFacts): WriterDecision {
  const { nodes, openWriters } = facts;
  const epoch = highestEpoch(nodes, facts.knownEpoch);
  const target = targetOf(facts, epoch);
  if ('reason' in target) return { action: 'keep', reason: target.reason };
  if (target.length > 1)
    return {
      action: 'conflict',
      nodes: target,
      epoch,
      reason: `${target.join(' and ')} are both writable and claim epoch ${epoch}: writer left as it is`,
    };
  const to = target[0]!;
  const others = openWriters.filter((n) => n !== to);
  if (openWriters.includes(to) && others.length === 0)
    return { action: 'keep', reason: `${to} (epoch ${epoch}) is the open writer${shutOut(facts, to)}` };
  const from = others.length ? `from ${others.join(', ')}` : 'from no open writer';
  return { action: 'switch', to, epoch, reason: `${to} claims epoch ${epoch} and is writable: ${from}` };
}

function targetOf(facts: WriterFacts, epoch: number): string[] | { reason: string } {
  const live = facts.nodes.filter((n) => n.reachable && n.writable);
  if (epoch === 0) {
    // No generation recorded anywhere yet: the config's master, as a fresh HAProxy would open it.
    const initial = live.find((n) => n.name === facts.initialMaster);
    return initial ? [initial.name] : { reason: `no epoch recorded; ${facts.initialMaster} not writable` };
  }
  const claimants = live.filter((n) => n.row?.epoch === epoch && n.row.masterServerId === n.serverId);
  if (claimants.length > 0) return claimants.map((n) => n.name);
  const holder = facts.nodes.find((n) => n.row?.epoch === epoch && n.row.masterServerId === n.serverId);
  return {
    reason: `no writable node claims epoch ${epoch}${holder ? ` (${holder.name} does, unreachable or read-only)` : ''}${shutOut(facts)}`,
  };
}

/** Writable nodes besides the one followed (an old master back with its older epoch): said, never opened. */
function shutOut(facts: WriterFacts, followed?: string): string {
  const names = facts.nodes
    .filter((n) => n.reachable && n.writable && n.name !== followed)
    .map((n) => n.name);
  return names.length ? `; ${names.join(', ')} writable with a lower epoch: never opened` : '';
}
