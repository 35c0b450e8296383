import { closedServers, openServers, type ServerRef } from './open-servers.ts';
import { everyRound } from './rounds.ts';
import { agentRuntimeApi as api } from './runtime-api.ts';

export interface OpenServersConfig {
  /** HAProxy's admin socket (a volume both containers mount). */
  socket: string;
  /** The servers the topology wants open: the master-role ones of its master and every reader. */
  servers: ServerRef[];
}

/** One HAProxy process as `show info` tells it apart: a restart may reuse the pid, never the start time. */
interface SeenProcess {
  pid: string;
  startedAtS: number;
  /** Its servers were opened, or found open by someone else: never touched again. */
  handled: boolean;
  /** An opening began (and failed part-way): the next round finishes it. */
  opening: boolean;
}

/**
 * Where no toolkit process reaches HAProxy's runtime API (compose, the stacks), the agent opens a
 * fresh HAProxy's servers: they start in maint (config.ts startClosed), since HAProxy 2.6 counts an
 * enabled server UP until its first check, and this opens them agent-down once the agent has its
 * first answers (HAProxy's next agent-check then decides). Once per HAProxy process, and only a
 * process whose wanted servers are all still closed: a server someone put in maint later stays there.
 */
export function startServerOpener(
  config: OpenServersConfig,
  firstAnswers: Promise<void>,
  log: (line: string) => void,
  intervalMs = 1000,
): { stop(): Promise<void> } {
  let seen: SeenProcess | undefined;
  let lastError = '';
  const round = async () => {
    const info = await api.showInfo(config.socket);
    const pid = info.Pid ?? '';
    const startedAtS = Date.now() / 1000 - Number(info.Uptime_sec ?? 0);
    if (!seen || seen.pid !== pid || Math.abs(seen.startedAtS - startedAtS) > 2)
      seen = { pid, startedAtS, handled: false, opening: false };
    if (seen.handled) return;
    const closed = closedServers(await api.showServers(config.socket), config.servers);
    if (!seen.opening && closed.length < config.servers.length) {
      seen.handled = true;
      log(`${new Date().toISOString()} HAProxy pid ${pid}: servers already opened, left as they are`);
      return;
    }
    seen.opening = true;
    const opened = await openServers(api, config.socket, config.servers);
    seen.handled = true;
    log(
      `${new Date().toISOString()} HAProxy pid ${pid}: opened ${opened.join(', ') || 'nothing'} (agent-down)`,
    );
  };
  // Every node polled once (each poll ends within its deadline): the agent answers from facts.
  return everyRound(
    firstAnswers,
    intervalMs,
    async () => {
      await round();
      lastError = '';
    },
    (error) => {
      // HAProxy not up yet (or restarting): said once, tried again next round.
      if (error.message !== lastError) log(`${new Date().toISOString()} opening servers: ${error.message}`);
      lastError = error.message;
    },
  );
}
