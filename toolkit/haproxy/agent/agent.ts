import { createServer, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Connection } from 'mysql2/promise';
import { openConnection } from '../../../lib/mysql.ts';
import type { AgentConfig, AgentNode } from './config.ts';
import { readEpochRow } from './epoch-row.ts';
import { followWriter } from './follower.ts';
import { agentWord, judge, type NodeHealth, parseRequest, type Role, roles } from './health.ts';
import { isMasterRole } from './master-role.ts';
import { readReplicaRow, replicaStatusStatement } from './replica.ts';
import { type OpenServersConfig, startServerOpener } from './server-opener.ts';

export interface HealthAgent {
  /** The port it listens on (the config's, or the one the OS chose for port 0). */
  port: number;
  snapshot(): AgentStatus;
  close(): Promise<void>;
}

export interface AgentStatus {
  at: number;
  nodes: Record<string, NodeHealth & { judged: Record<Role, string> }>;
}

/**
 * One process, one persistent connection per node: every pollIntervalMs it reads read_only,
 * server_id and the replica status, and answers HAProxy's agent-checks from that cache. A check
 * costs HAProxy a loopback connect and one line, not a MySQL login per server per interval.
 */
export async function startHealthAgent(
  config: AgentConfig,
  password: string,
  log: (line: string) => void = () => {},
): Promise<HealthAgent> {
  const health = new Map<string, NodeHealth>();
  const pollers = config.nodes.map((node) => new NodePoller(node, config, password, health, log));
  const judgeNow = (role: Role, name: string) =>
    judge(role, health.get(name), {
      now: Date.now(),
      staleAfterMs: config.staleAfterMs,
      maxLagSeconds: config.maxLagSeconds,
    });
  const snapshot = (): AgentStatus => ({
    at: Date.now(),
    nodes: Object.fromEntries(
      config.nodes.map((n) => {
        const h = health.get(n.name) ?? { polledAt: 0, readOnly: true, serverId: 0 };
        const judged = Object.fromEntries(roles.map((r) => [r, agentWord(judgeNow(r, n.name)).trim()]));
        return [n.name, { ...h, judged: judged as Record<Role, string> }];
      }),
    ),
  });
  const pollNow = async (name: string) => {
    await pollers.find((p) => p.name === name)?.pollOnce();
  };
  for (const poller of pollers) poller.start();
  const firstAnswers = Promise.all(pollers.map((p) => p.firstPoll)).then(() => {});
  // Listening before the first poll of every node would answer HAProxy `down #not polled yet` for every
  // server and empty both endpoints at each agent restart (a monitor password rotation restarts it).
  // Until it knows, HAProxy's agent-checks fail to connect and keep the last known states (fail static);
  // a first poll ends within max(2 × poll interval, 1 s), answered or not.
  await firstAnswers;
  const server = createServer((socket) => answer(socket, { judgeNow, snapshot, pollNow }, config));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.listen.port, config.listen.host, () => resolve());
  }).catch(async (error) => {
    await Promise.all(pollers.map((p) => p.stop()));
    throw error;
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.listen.port;
  const opener = config.openServers && startServerOpener(openerConfig(config), firstAnswers, log);
  const follower = config.followWriter ? followWriter(config, health, firstAnswers, log) : undefined;
  return {
    port,
    snapshot,
    close: async () => {
      await Promise.all(pollers.map((p) => p.stop()));
      await opener?.stop();
      await follower?.stop();
      await closeServer(server);
    },
  };
}

/** In follow mode the master-role servers are the follower's to open: the opener opens the readers. */
function openerConfig(config: AgentConfig): OpenServersConfig {
  const open = config.openServers!;
  return config.followWriter ? { ...open, servers: open.servers.filter((s) => !isMasterRole(s)) } : open;
}

interface Answers {
  judgeNow(role: Role, name: string): ReturnType<typeof judge>;
  snapshot(): AgentStatus;
  pollNow(name: string): Promise<void>;
}

/**
 * One request per connection: `<role> <node>` gets its word from the cache, `status` the JSON
 * snapshot, and `poll <node>` polls that node first and answers its writer word (failover.ts asks
 * this right after a promotion, instead of waiting for the next poll).
 */
function answer(socket: Socket, { judgeNow, snapshot, pollNow }: Answers, config: AgentConfig): void {
  socket.on('error', () => {});
  socket.setTimeout(1000, () => socket.destroy());
  let buffer = '';
  const reply = () => {
    const line = buffer.split('\n')[0]!.trim();
    if (line === 'status') return socket.end(`${JSON.stringify(snapshot())}\n`);
    const fresh = /^poll ([a-z][a-z0-9_-]{0,62})$/.exec(line)?.[1];
    if (fresh && config.nodes.some((n) => n.name === fresh)) {
      pollNow(fresh).then(() => socket.end(agentWord(judgeNow('writer', fresh))));
      return;
    }
    const request = parseRequest(line);
    if (!request || !config.nodes.some((n) => n.name === request.node))
      return socket.end(`down #unknown request ${JSON.stringify(line.slice(0, 40))}\n`);
    socket.end(agentWord(judgeNow(request.role, request.node)));
  };
  socket.on('data', (chunk) => {
    buffer += chunk.toString('utf8');
    if (buffer.includes('\n') || buffer.length > 200) {
      socket.removeAllListeners('data');
      reply();
    }
  });
}

/** One monitor login to a node, and the replica-status statement its version takes. */
interface NodeSession {
  conn: Connection;
  showReplicaStatus: string;
}

class NodePoller {
  private session: NodeSession | undefined;
  private running = false;
  private loop: Promise<void> | undefined;
  private lastJudged = '';
  private polledOnce: () => void = () => {};
  /** Resolves after the first poll has ended, answered or failed. */
  readonly firstPoll = new Promise<void>((resolve) => {
    this.polledOnce = resolve;
  });

  get name(): string {
    return this.node.name;
  }

  constructor(
    private readonly node: AgentNode,
    private readonly config: AgentConfig,
    private readonly password: string,
    private readonly health: Map<string, NodeHealth>,
    private readonly log: (line: string) => void,
  ) {}

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.session?.conn.destroy();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      const started = Date.now();
      await this.pollOnce();
      this.polledOnce();
      const wait = this.config.pollIntervalMs - (Date.now() - started);
      if (wait > 0 && this.running) await sleep(wait);
    }
  }

  /** A poll that does not finish within the stale limit drops the connection: the next one reconnects. */
  async pollOnce(): Promise<void> {
    const deadline = Math.max(this.config.pollIntervalMs * 2, 1000);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${deadline} ms`)), deadline);
    });
    try {
      const next = await Promise.race([this.read(), timeout]);
      this.record(next);
    } catch (error) {
      this.session?.conn.destroy();
      this.session = undefined;
      const previous = this.health.get(this.node.name);
      this.record({
        polledAt: previous?.polledAt ?? 0,
        readOnly: previous?.readOnly ?? true,
        serverId: previous?.serverId ?? 0,
        error: (error as Error).message,
      });
    } finally {
      clearTimeout(timer);
    }
  }

  private async read(): Promise<NodeHealth> {
    this.session ??= await login(this.node, this.config.monitor.user, this.password);
    const { conn, showReplicaStatus } = this.session;
    const row = await firstRow(conn, 'SELECT @@GLOBAL.read_only AS ro, @@GLOBAL.server_id AS id');
    const status = await firstRow(conn, showReplicaStatus);
    const replica = status ? readReplicaRow(status) : undefined;
    const epoch = this.config.followWriter ? await readEpoch(conn) : {};
    return {
      polledAt: Date.now(),
      readOnly: String(row?.ro) !== '0',
      serverId: Number(row?.id),
      replica,
      ...(epoch.row ? { epoch: epoch.row } : {}),
      ...(epoch.error ? { epochError: epoch.error } : {}),
    };
  }

  private record(next: NodeHealth): void {
    const previous = this.health.get(this.node.name)?.replica?.lastReplicating;
    const r = next.replica;
    if (r)
      r.lastReplicating =
        r.ioRunning && r.sqlRunning && r.lagSeconds !== null
          ? { at: next.polledAt, lagSeconds: r.lagSeconds }
          : previous;
    this.health.set(this.node.name, next);
    const options = {
      now: Date.now(),
      staleAfterMs: this.config.staleAfterMs,
      maxLagSeconds: this.config.maxLagSeconds,
    };
    const judged = roles.map((role) => ({ role, ...judge(role, next, options) }));
    // A line when a role flips, not every poll: the reasons' figures change all the time.
    const key = judged.map((j) => `${j.role}=${j.up}`).join(',') + (next.error ? ' error' : '');
    if (key !== this.lastJudged) {
      const words = judged.map((j) => `${j.role} ${j.up ? 'up' : 'down'} (${j.reason})`).join(', ');
      this.log(`${new Date().toISOString()} ${this.node.name}: ${words}`);
      this.lastJudged = key;
    }
  }
}

async function login(node: AgentNode, user: string, password: string): Promise<NodeSession> {
  let conn: Connection;
  try {
    conn = await openConnection({ host: node.host, port: node.port, user, password }, 1000);
  } catch (error) {
    throw new Error(`cannot connect to ${node.name} at ${node.host}:${node.port}: ${driverMessage(error)}`);
  }
  try {
    const version = await firstRow(conn, 'SELECT VERSION() AS v');
    return { conn, showReplicaStatus: replicaStatusStatement(String(version?.v)) };
  } catch (error) {
    // The connection is ours until a session holds it: a failure here must not leave it open.
    conn.destroy();
    throw error;
  }
}

async function firstRow(conn: Connection, sql: string): Promise<Record<string, unknown> | undefined> {
  try {
    const [rows] = await conn.query(sql);
    return Array.isArray(rows) ? (rows[0] as Record<string, unknown> | undefined) : undefined;
  } catch (error) {
    throw new Error(driverMessage(error));
  }
}

async function readEpoch(conn: Connection): ReturnType<typeof readEpochRow> {
  try {
    return await readEpochRow(conn);
  } catch (error) {
    throw new Error(driverMessage(error));
  }
}

/** The driver's message and code only: mysql2 keeps the statement in error.sql, never shown. */
function driverMessage(error: unknown): string {
  const e = error as { code?: string; sqlMessage?: string; message?: string };
  const text = e.sqlMessage ?? e.message ?? String(error);
  return e.code && !text.includes(e.code) ? `${text} (${e.code})` : text;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
