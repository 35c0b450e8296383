import { createConnection } from 'node:net';
import { ToolkitError } from '../procedure/errors.ts';

/**
 * HAProxy's runtime API over its admin Unix socket: one command per connection (the socket's
 * non-interactive mode answers and closes). Names and states are checked before they are sent, so
 * nothing but a known command reaches the socket.
 */
export function runtimeCommand(socket: string, command: string, timeoutMs = 3000): Promise<string> {
  if (/[\n\r;]/.test(command)) throw new ToolkitError('one runtime API command at a time');
  return new Promise((resolve, reject) => {
    const conn = createConnection({ path: socket });
    let output = '';
    const timer = setTimeout(() => {
      conn.destroy();
      reject(
        new ToolkitError(`HAProxy runtime API ${socket}: no answer to '${command}' within ${timeoutMs} ms`),
      );
    }, timeoutMs);
    conn.setEncoding('utf8');
    conn.on('connect', () => conn.write(`${command}\n`));
    conn.on('data', (chunk: string) => {
      output += chunk;
    });
    conn.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        new ToolkitError(
          `HAProxy runtime API ${socket}: ${error.code === 'ENOENT' || error.code === 'ECONNREFUSED' ? 'not running' : error.message}`,
          error.code === 'ENOENT' || error.code === 'ECONNREFUSED' ? 'UNREACHABLE' : 'HAPROXY',
        ),
      );
    });
    conn.on('close', () => {
      clearTimeout(timer);
      resolve(output);
    });
  });
}

const safeName = /^[A-Za-z0-9_.-]{1,64}$/;

function serverRef(backend: string, server: string): string {
  if (!safeName.test(backend) || !safeName.test(server))
    throw new ToolkitError(`not a HAProxy backend/server name: ${backend}/${server}`);
  return `${backend}/${server}`;
}

/** Commands that change something answer with nothing on success, with a reason otherwise. */
async function changeCommand(socket: string, command: string): Promise<void> {
  const answer = (await runtimeCommand(socket, command)).trim();
  if (answer !== '') throw new ToolkitError(`HAProxy refused '${command}': ${answer.split('\n')[0]}`);
}

export type AdminState = 'ready' | 'maint' | 'drain';

export async function setServerState(
  socket: string,
  backend: string,
  server: string,
  state: AdminState,
): Promise<void> {
  await changeCommand(socket, `set server ${serverRef(backend, server)} state ${state}`);
}

/** Forces the agent's last result (HAProxy's own next agent-check replaces it). */
export async function setAgentResult(
  socket: string,
  backend: string,
  server: string,
  result: 'up' | 'down',
): Promise<void> {
  await changeCommand(socket, `set server ${serverRef(backend, server)} agent ${result}`);
}

/**
 * `show servers state`: what a reload's new worker loads (server-state-file) to carry every
 * server's admin and operational state over. Refused unless it is a version 1 dump.
 */
export async function serversStateDump(socket: string): Promise<string> {
  const text = await runtimeCommand(socket, 'show servers state');
  if (!text.startsWith('1\n'))
    throw new ToolkitError(`HAProxy show servers state: unexpected answer '${text.split('\n')[0]}'`);
  return text;
}

/** Ends every session already open to the server (new ones are decided by its state). */
export async function shutdownSessions(socket: string, backend: string, server: string): Promise<void> {
  await changeCommand(socket, `shutdown sessions server ${serverRef(backend, server)}`);
}

export interface ServerState {
  backend: string;
  server: string;
  address: string;
  /** Usable for new connections: operationally up and in no maintenance. */
  up: boolean;
  maint: boolean;
  /** HAProxy's own words from `show stat`: UP, DOWN, DOWN (agent), MAINT, ... */
  status: string;
  checkStatus: string;
  agentStatus: string;
  /** The agent's last word with its reason ("down (read_only)"), or the check's description. */
  detail: string;
  sessions: number;
}

/** `show stat` as rows per server (frontends and backend totals left out). */
export async function showServers(socket: string): Promise<ServerState[]> {
  const text = await runtimeCommand(socket, 'show stat');
  const [header, ...rows] = text.trim().split('\n');
  if (!header?.startsWith('# ')) throw new ToolkitError(`HAProxy show stat: unexpected answer '${header}'`);
  const columns = header.slice(2).split(',');
  const col = (row: string[], name: string) => row[columns.indexOf(name)] ?? '';
  return rows
    .map((line) => line.split(','))
    .filter((row) => !['FRONTEND', 'BACKEND'].includes(col(row, 'svname')))
    .map((row) => {
      const status = col(row, 'status');
      return {
        backend: col(row, 'pxname'),
        server: col(row, 'svname'),
        address: col(row, 'addr'),
        up: status === 'UP' || status.startsWith('UP '),
        maint: status.includes('MAINT'),
        status,
        checkStatus: col(row, 'check_status'),
        agentStatus: col(row, 'agent_status'),
        detail: col(row, 'last_agt').replace(/^via agent : /, '') || col(row, 'check_desc'),
        sessions: Number(col(row, 'scur')) || 0,
      };
    });
}

/** The worker's pid and the config's reload count, from `show info`. */
export async function showInfo(socket: string): Promise<Record<string, string>> {
  const text = await runtimeCommand(socket, 'show info');
  return Object.fromEntries(
    text
      .split('\n')
      .map((line) => /^([A-Za-z_]+):\s*(.*)$/.exec(line))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1]!, m[2]!]),
  );
}

/** Where HAProxy asks each server's agent (`show servers state`), by "backend/server". */
export async function agentAddresses(socket: string): Promise<Map<string, { host: string; port: number }>> {
  const lines = (await runtimeCommand(socket, 'show servers state')).trim().split('\n');
  const header =
    lines
      .find((l) => l.startsWith('# '))
      ?.slice(2)
      .split(' ') ?? [];
  const at = (row: string[], name: string) => row[header.indexOf(name)] ?? '';
  const addresses = new Map<string, { host: string; port: number }>();
  for (const line of lines.filter((l) => l && !l.startsWith('#') && l.includes(' '))) {
    const row = line.split(' ');
    const port = Number(at(row, 'srv_agent_port'));
    if (port > 0)
      addresses.set(`${at(row, 'be_name')}/${at(row, 'srv_name')}`, {
        host: at(row, 'srv_agent_addr'),
        port,
      });
  }
  return addresses;
}
