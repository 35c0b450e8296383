import { masterRoleServers } from './agent/master-role.ts';
import { inventoryNodes, type MysqlTopology } from './agent-config.ts';

/** Where one HAProxy runs: what differs between the local environment and a container. */
export interface HaproxyLayout {
  /** The endpoints' address: 127.0.0.1 locally; every interface inside a container (published on 127.0.0.1). */
  bindHost: string;
  writerPort: number;
  readerPort: number;
  /** The runtime API, admin level: a Unix socket only (mode 0600), never a TCP port. */
  adminSocket: string;
  /** Where HAProxy reaches the health agent (an address, not a name). */
  agent: { host: string; port: number };
  /** A DNS server to re-resolve node names at run time (Docker's 127.0.0.11:53); absent: addresses as given. */
  nameserver?: string;
  /** How often HAProxy asks the agent; the agent answers from its cache, so this costs a loopback connect. */
  agentInterMs?: number;
  /**
   * Where a reload carries the servers' states over (`server-state-file`; reloadHaproxy writes it
   * from `show servers state` just before the reload). Set exactly when the toolkit opens the servers
   * over the runtime API (startClosed).
   */
  stateFile?: string;
  /**
   * Every server starts `disabled` (maint), and openServers() opens the inventory's ones once HAProxy
   * runs, each with its agent result down until the agent's first answer: HAProxy 2.6 counts an
   * enabled server UP from the start until its checks say otherwise, up to ~2 s later (`init-state`
   * is 3.1+). False (compose, where no toolkit process reaches the runtime API): the inventory's
   * servers start enabled and that window stays.
   */
  startClosed?: boolean;
}

export const defaultAgentInterMs = 250;

/**
 * The one HAProxy config for MySQL, rendered from the inventory; the local environment renders it
 * into its state dir, compose/haproxy/haproxy.cfg is the same rendering for the compose topology
 * (kept in step by compose-config.test.ts).
 *
 * Every node is a server of both backends, so a failover needs no reload:
 * - writer: admin state says which node the inventory makes master (the others stay in maint,
 *   failover.ts moves the maint flags over the runtime API); the agent says whether it is writable.
 *   A connection goes only where both agree.
 * - reader: every node, up while the agent sees it replicating within maxLagSeconds; behind them, a
 *   backup "-fallback" server per node, gated like the writer, so reads fall back to the master.
 */
export function renderHaproxyConfig(inventory: MysqlTopology, layout: HaproxyLayout): string {
  const master = inventory.mysql.master.name;
  const nodes = inventoryNodes(inventory);
  const agentInter = layout.agentInterMs ?? defaultAgentInterMs;
  const server = (name: string, address: string, role: string, flags: string[]) =>
    `    server ${name} ${address} agent-send "${role} ${name.replace(/-fallback$/, '')}\\n"${flags.map((f) => ` ${f}`).join('')}`;
  const address = (n: { host: string; port: number }) => `${n.host}:${n.port}`;
  const closed = layout.startClosed ?? false;
  const notMaster = (name: string) => (name === master && !closed ? [] : ['disabled']);
  const anyNode = closed ? ['disabled'] : [];
  const resolve = layout.nameserver ? ' init-addr last,libc,none resolvers nodes' : '';
  const defaultServer = (extra: string) =>
    `    default-server check inter 2s fall 2 rise 1 agent-check agent-addr ${layout.agent.host}` +
    ` agent-port ${layout.agent.port} agent-inter ${agentInter}ms on-marked-down shutdown-sessions${extra}${resolve}`;
  const lines = [
    `# HAProxy in front of MySQL for inventory '${inventory.name}' (master ${master}).`,
    '# Rendered by toolkit/haproxy/config.ts: change the renderer, not this file.',
    'global',
    '    maxconn 2000',
    ...(layout.stateFile ? [`    server-state-file ${layout.stateFile}`] : []),
    // Only a Unix socket, owner-only; expose-fd lets a reload take over the listeners without a gap.
    `    stats socket ${layout.adminSocket} mode 600 level admin expose-fd listeners`,
    '    stats timeout 10s',
    // A worker replaced by a reload finishes its sessions, but not for an hour of pooled idle connections.
    '    hard-stop-after 30s',
    '    log stderr format raw local0 notice',
    '',
    'defaults',
    '    mode tcp',
    '    log global',
    '    option tcplog',
    '    option dontlog-normal',
    '    timeout connect 2s',
    '    timeout check 1s',
    // Pooled MySQL connections idle for long; keepalives find the dead ones.
    '    timeout client 1h',
    '    timeout server 1h',
    '    option clitcpka',
    '    option srvtcpka',
    '    retries 1',
    ...(layout.stateFile ? ['    load-server-state-from-file global'] : []),
    '',
    ...(layout.nameserver
      ? ['resolvers nodes', `    nameserver dns ${layout.nameserver}`, '    hold valid 10s', '']
      : []),
    'frontend mysql_writer',
    `    bind ${layout.bindHost}:${layout.writerPort}`,
    '    default_backend writer',
    '',
    'frontend mysql_reader',
    `    bind ${layout.bindHost}:${layout.readerPort}`,
    '    default_backend reader',
    '',
    'backend writer',
    '    balance first',
    defaultServer(''),
    ...nodes.map((n) => server(n.name, address(n), 'writer', notMaster(n.name))),
    '',
    'backend reader',
    '    balance leastconn',
    '    option redispatch 1',
    // A slave coming back takes the reads off the master again: the master's fallback sessions end.
    defaultServer(' on-marked-up shutdown-backup-sessions'),
    ...nodes.map((n) => server(n.name, address(n), 'reader', anyNode)),
    ...nodes.map((n) =>
      server(`${n.name}-fallback`, address(n), 'fallback', ['backup', ...notMaster(n.name)]),
    ),
    '',
  ];
  return lines.join('\n');
}

/**
 * The servers the inventory wants open (out of maint): the master's two master-role servers and
 * every node's reader server. With startClosed, openServers() opens them after a start.
 */
export function inventoryOpenServers(inventory: MysqlTopology): Array<{ backend: string; server: string }> {
  return [
    ...masterRoleServers(inventory.mysql.master.name),
    ...inventoryNodes(inventory).map((n) => ({ backend: 'reader', server: n.name })),
  ];
}
