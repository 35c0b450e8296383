import type { AgentConfig } from './config.ts';
import type { NodeHealth } from './health.ts';
import { isolateMasterRole, masterRoleServers } from './master-role.ts';
import { openServers } from './open-servers.ts';
import { everyRound } from './rounds.ts';
import { agentRuntimeApi as api } from './runtime-api.ts';
import { decideWriter, type EpochFacts, highestEpoch, type WriterDecision } from './writer-epoch.ts';

export interface WriterFollowerConfig {
  /** HAProxy's admin socket (a volume both containers mount). */
  socket: string;
  /** The nodes, in the config's order. */
  nodes: string[];
  /** The config's master (a stack's mysqlMaster): followed only while no epoch is recorded anywhere. */
  initialMaster: string;
  /** A node whose last answer is older than this is no evidence. */
  staleAfterMs: number;
}

/** The agent's last poll of every node, as the decision reads it. */
export function epochFacts(
  config: Pick<WriterFollowerConfig, 'nodes' | 'staleAfterMs'>,
  health: ReadonlyMap<string, NodeHealth>,
  now: number,
): EpochFacts[] {
  return config.nodes.map((name) => {
    const h = health.get(name);
    const reachable = !!h && h.polledAt > 0 && !h.error && now - h.polledAt <= config.staleAfterMs;
    return {
      name,
      reachable,
      writable: reachable && !h.readOnly,
      serverId: h?.serverId ?? 0,
      ...(h?.epoch ? { row: h.epoch } : {}),
    };
  });
}

/**
 * Follow mode (compose, the stacks: no runbook reaches HAProxy's runtime API there). Every round, from
 * the agent's last polls and `show stat`: when the writable node claiming the highest epoch is not the
 * one whose writer is open, every other master-role server goes into maint with its sessions ended,
 * then that node's servers open agent-down (HAProxy's next agent-check lets them up), as failover.ts
 * does locally over the same socket. The highest epoch ever seen is remembered: a node that shows a
 * lower one later (an old master back writable) is never opened.
 */
export function startWriterFollower(
  config: WriterFollowerConfig,
  health: ReadonlyMap<string, NodeHealth>,
  firstAnswers: Promise<void>,
  log: (line: string) => void,
  intervalMs = 250,
): { stop(): Promise<void> } {
  let knownEpoch = 0;
  let lastSaid = '';
  const say = (line: string) => {
    if (line === lastSaid) return;
    lastSaid = line;
    log(`${new Date().toISOString()} writer: ${line}`);
  };
  const round = async () => {
    const servers = await api.showServers(config.socket);
    const nodes = epochFacts(config, health, Date.now());
    const decision = decideWriter({
      nodes,
      openWriters: servers.filter((s) => s.backend === 'writer' && !s.maint).map((s) => s.server),
      knownEpoch,
      initialMaster: config.initialMaster,
    });
    knownEpoch = highestEpoch(nodes, knownEpoch);
    if (decision.action !== 'switch') return say(words(decision));
    const wanted = masterRoleServers(decision.to);
    const missing = wanted.filter(
      (w) => !servers.some((s) => s.backend === w.backend && s.server === w.server),
    );
    // Isolating the others with nothing to open would leave no writer at all: the config must come first.
    if (missing.length > 0)
      return say(
        `${decision.reason}, but HAProxy has no ${missing.map((m) => `${m.backend}/${m.server}`).join(', ')}: not moved (its config predates this node)`,
      );
    const isolated = await isolateMasterRole(api, config.socket, servers, decision.to);
    const opened = await openServers(api, config.socket, wanted);
    say(
      `${decision.reason}; isolated ${isolated.join(', ') || 'nothing'}; opened ${opened.join(', ') || 'nothing'} (agent-down)`,
    );
  };
  // HAProxy not up yet (or restarting): said once, tried again next round.
  return everyRound(firstAnswers, intervalMs, round, (error) => say(`cannot follow: ${error.message}`));
}

function words(decision: WriterDecision): string {
  // A split brain is the one thing an operator must hear about: loud, and repeated only when it changes.
  return decision.action === 'conflict' ? `CONFLICT, NOT FOLLOWING: ${decision.reason}` : decision.reason;
}

/** The follower an agent config in follow mode asks for: over openServers' socket, at half the poll interval. */
export function followWriter(
  config: AgentConfig,
  health: ReadonlyMap<string, NodeHealth>,
  firstAnswers: Promise<void>,
  log: (line: string) => void,
): { stop(): Promise<void> } | undefined {
  const open = config.openServers;
  if (!open) return undefined;
  return startWriterFollower(
    {
      socket: open.socket,
      nodes: config.nodes.map((n) => n.name),
      initialMaster: open.servers.find((s) => s.backend === 'writer')?.server ?? config.nodes[0]!.name,
      staleAfterMs: config.staleAfterMs,
    },
    health,
    firstAnswers,
    log,
    Math.max(50, Math.round(config.pollIntervalMs / 2)),
  );
}
