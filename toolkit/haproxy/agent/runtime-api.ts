import { createConnection } from 'node:net';

/**
 * A failure of the runtime API: UNREACHABLE (nothing listens on the socket) or HAPROXY (anything
 * else). Each user picks the error it throws: the toolkit its ToolkitError, the agent a plain Error.
 */
export type RuntimeApiFailure = (message: string, code: 'UNREACHABLE' | 'HAPROXY') => Error;

export type AdminState = 'ready' | 'maint' | 'drain';

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
  /** How many times HAProxy marked it down (UP → DOWN transitions) since it started. */
  wentDown: number;
}

export type HaproxyRuntimeApi = ReturnType<typeof haproxyRuntimeApi>;

const safeName = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * HAProxy's runtime API over its admin Unix socket: one command per connection (the socket's
 * non-interactive mode answers and closes). Names and states are checked before they are sent, so
 * nothing but a known command reaches the socket. It lives beside the health agent (which ships
 * alone, importing only lib/ and its folder) because the agent opens a fresh HAProxy's servers too;
 * the toolkit's ../runtime-api.ts is this with ToolkitError.
 */
export function haproxyRuntimeApi(fail: RuntimeApiFailure) {
  function runtimeCommand(socket: string, command: string, timeoutMs = 3000): Promise<string> {
    if (/[\n\r;]/.test(command)) throw fail('one runtime API command at a time', 'HAPROXY');
    return new Promise((resolve, reject) => {
      const conn = createConnection({ path: socket });
      let output = '';
      const timer = setTimeout(() => {
        conn.destroy();
        reject(
          fail(`HAProxy runtime API ${socket}: no answer to '${command}' within ${timeoutMs} ms`, 'HAPROXY'),
        );
      }, timeoutMs);
      conn.setEncoding('utf8');
      conn.on('connect', () => conn.write(`${command}\n`));
      conn.on('data', (chunk: string) => {
        output += chunk;
      });
      conn.on('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        const absent = error.code === 'ENOENT' || error.code === 'ECONNREFUSED';
        reject(
          fail(
            `HAProxy runtime API ${socket}: ${absent ? 'not running' : error.message}`,
            absent ? 'UNREACHABLE' : 'HAPROXY',
          ),
        );
      });
      conn.on('close', () => {
        clearTimeout(timer);
        resolve(output);
      });
    });
  }

  function serverRef(backend: string, server: string): string {
    if (!safeName.test(backend) || !safeName.test(server))
      throw fail(`not a HAProxy backend/server name: ${backend}/${server}`, 'HAPROXY');
    return `${backend}/${server}`;
  }

  /** Commands that change something answer with nothing on success, with a reason otherwise. */
  async function changeCommand(socket: string, command: string): Promise<void> {
    const answer = (await runtimeCommand(socket, command)).trim();
    if (answer !== '') throw fail(`HAProxy refused '${command}': ${answer.split('\n')[0]}`, 'HAPROXY');
  }

  async function setServerState(
    socket: string,
    backend: string,
    server: string,
    state: AdminState,
  ): Promise<void> {
    await changeCommand(socket, `set server ${serverRef(backend, server)} state ${state}`);
  }

  /** Forces the agent's last result (HAProxy's own next agent-check replaces it). */
  async function setAgentResult(
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
  async function serversStateDump(socket: string): Promise<string> {
    const text = await runtimeCommand(socket, 'show servers state');
    if (!text.startsWith('1\n'))
      throw fail(`HAProxy show servers state: unexpected answer '${text.split('\n')[0]}'`, 'HAPROXY');
    return text;
  }

  /** Ends every session already open to the server (new ones are decided by its state). */
  async function shutdownSessions(socket: string, backend: string, server: string): Promise<void> {
    await changeCommand(socket, `shutdown sessions server ${serverRef(backend, server)}`);
  }

  /** `show stat` as rows per server (frontends and backend totals left out). */
  async function showServers(socket: string): Promise<ServerState[]> {
    const text = await runtimeCommand(socket, 'show stat');
    const [header, ...rows] = text.trim().split('\n');
    if (!header?.startsWith('# ')) throw fail(`HAProxy show stat: unexpected answer '${header}'`, 'HAPROXY');
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
          wentDown: Number(col(row, 'chkdown')) || 0,
        };
      });
  }

  /** The worker's pid, its uptime and the config's reload count, from `show info`. */
  async function showInfo(socket: string): Promise<Record<string, string>> {
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
  async function agentAddresses(socket: string): Promise<Map<string, { host: string; port: number }>> {
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

  return {
    runtimeCommand,
    setServerState,
    setAgentResult,
    serversStateDump,
    shutdownSessions,
    showServers,
    showInfo,
    agentAddresses,
  };
}

/** The agent's own: its failures are plain Errors with the code attached (the agent ships without the toolkit). */
export const agentRuntimeApi = haproxyRuntimeApi((message, code) =>
  Object.assign(new Error(message), { code }),
);
