import { execFileSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../../lib/poll.ts';
import { findBinary } from '../host/binaries.ts';
import { isOurs, readPidFile, spawnDetached, stopProcess } from '../host/process.ts';
import { ToolkitError } from '../procedure/errors.ts';
import type { AgentStatus } from './agent/agent.ts';
import { type AgentAddress, agentRequest } from './agent-client.ts';
import { monitorPasswordEnv } from './agent-config.ts';
import { type ServerState, serversStateDump, showInfo, showServers } from './runtime-api.ts';

/** The files of one HAProxy and its health agent, all in one directory. */
export interface HaproxyFiles {
  dir: string;
  config: string;
  pidFile: string;
  adminSocket: string;
  /** The servers' states a reload carries over (written just before it, read by the new worker). */
  stateFile: string;
  log: string;
  agentConfig: string;
  /** A hash of the login the running agent was started with: a changed password restarts it. */
  agentLogin: string;
  agentPidFile: string;
  agentLog: string;
}

export function haproxyFiles(dir: string): HaproxyFiles {
  return {
    dir,
    config: join(dir, 'haproxy.cfg'),
    pidFile: join(dir, 'haproxy.pid'),
    adminSocket: join(dir, 'admin.sock'),
    stateFile: join(dir, 'servers.state'),
    log: join(dir, 'haproxy.log'),
    agentConfig: join(dir, 'agent.yml'),
    agentLogin: join(dir, 'agent.login'),
    agentPidFile: join(dir, 'agent.pid'),
    agentLog: join(dir, 'agent.log'),
  };
}

// The local environment runs the agent from its TypeScript source; the image runs the compiled agent/main.js.
const agentEntry = resolve(dirname(fileURLToPath(import.meta.url)), 'agent', 'main.ts');

function haproxyBinary(): string {
  const binary = findBinary(['haproxy']);
  if (!binary) throw new ToolkitError('haproxy not found: apt-get install haproxy');
  return binary;
}

/** `haproxy -c`: a config that does not parse is refused before it can replace a running one. */
export function checkHaproxyConfig(config: string): void {
  try {
    execFileSync(haproxyBinary(), ['-c', '-q', '-f', config], { encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    const output = `${(error as { stderr?: string }).stderr ?? ''}${(error as { stdout?: string }).stdout ?? ''}`;
    const first = output.split('\n').find((l) => /ALERT|error/i.test(l)) ?? output.split('\n')[0];
    throw new ToolkitError(`haproxy -c refused ${config}: ${first?.trim() || 'unknown error'}`);
  }
}

/** The master process's pid, when it is running and is ours (its command line names our config). */
export function haproxyPid(files: HaproxyFiles): number | undefined {
  const pid = readPidFile(files.pidFile);
  return isOurs(pid, files.config) ? pid : undefined;
}

/**
 * Master-worker mode (`-W`): the master stays, workers are replaced on reload. Returns once the
 * runtime API answers, i.e. the worker has its listeners.
 */
export async function startHaproxy(files: HaproxyFiles, timeoutMs = 10_000): Promise<number> {
  checkHaproxyConfig(files.config);
  const running = haproxyPid(files);
  if (running) return running;
  // A fresh process starts from its config alone: states saved for an earlier reload are stale.
  rmSync(files.stateFile, { force: true });
  const pid = spawnDetached(haproxyBinary(), ['-W', '-f', files.config, '-p', files.pidFile], {
    logFile: files.log,
  });
  await waitFor(
    async () => {
      if (!isOurs(pid, files.config)) throw new ToolkitError(`haproxy exited during start: see ${files.log}`);
      return (await showInfo(files.adminSocket).catch(() => undefined))?.Pid ? true : undefined;
    },
    { timeoutMs, intervalMs: 50, what: `haproxy's runtime API at ${files.adminSocket}` },
  );
  return pid;
}

/**
 * A new config without dropping connections: checked first, then SIGUSR2 to the master, which starts
 * a worker on the listening sockets the old one hands over (expose-fd listeners); the old worker
 * finishes the sessions it has. Done when the runtime API answers from a new worker.
 */
export async function reloadHaproxy(files: HaproxyFiles, timeoutMs = 10_000): Promise<string> {
  checkHaproxyConfig(files.config);
  const master = haproxyPid(files);
  if (!master) throw new ToolkitError(`haproxy is not running (${files.pidFile}): start it instead`);
  const before = (await showInfo(files.adminSocket)).Pid;
  // The new worker loads this (server-state-file): servers keep their maint flags and UP/DOWN
  // instead of restarting from the config's all-maint.
  writeFileSync(files.stateFile, await serversStateDump(files.adminSocket), { mode: 0o600 });
  process.kill(master, 'SIGUSR2');
  const after = await waitFor(
    async (why) => {
      const pid = (await showInfo(files.adminSocket).catch(() => undefined))?.Pid;
      if (pid && pid !== before) return pid;
      why(`worker still ${before}`);
      return undefined;
    },
    { timeoutMs, intervalMs: 50, what: 'a new haproxy worker' },
  );
  return `worker ${before} → ${after}`;
}

export function stopHaproxy(files: HaproxyFiles): Promise<'stopped' | 'killed' | 'gone'> {
  return stopByPidFile(files.pidFile, files.config);
}

/** SIGTERM (then SIGKILL) to the pid in the file, only when its command line names the marker. */
async function stopByPidFile(pidFile: string, marker: string): Promise<'stopped' | 'killed' | 'gone'> {
  const pid = readPidFile(pidFile);
  if (!isOurs(pid, marker)) return 'gone';
  const result = await stopProcess(pid, marker, 15_000);
  rmSync(pidFile, { force: true });
  return result;
}

export interface HaproxyStatus {
  pid?: number;
  servers: ServerState[];
  error?: string;
}

export async function haproxyStatus(files: HaproxyFiles): Promise<HaproxyStatus> {
  const pid = haproxyPid(files);
  if (!pid) return { servers: [], error: 'not running' };
  try {
    return { pid, servers: await showServers(files.adminSocket) };
  } catch (error) {
    return { pid, servers: [], error: (error as Error).message };
  }
}

export function agentPid(files: HaproxyFiles): number | undefined {
  const pid = readPidFile(files.agentPidFile);
  return isOurs(pid, files.agentConfig) ? pid : undefined;
}

/** The agent as its own process; the password travels in its environment, never in its arguments. */
export async function startAgent(
  files: HaproxyFiles,
  listen: { host: string; port: number },
  monitorPassword: string,
  timeoutMs = 15_000,
): Promise<number> {
  const running = agentPid(files);
  if (running) return running;
  if (!existsSync(files.agentConfig))
    throw new ToolkitError(`no health agent config at ${files.agentConfig}`);
  const pid = spawnDetached(
    process.execPath,
    ['--import', 'tsx', agentEntry, '--config', files.agentConfig],
    {
      logFile: files.agentLog,
      env: { ...process.env, [monitorPasswordEnv]: monitorPassword },
    },
  );
  writeFileSync(files.agentPidFile, `${pid}\n`);
  await waitFor(
    async () => {
      if (!isOurs(pid, files.agentConfig))
        throw new ToolkitError(`the health agent exited during start: see ${files.agentLog}`);
      return (await agentStatus(listen).catch(() => undefined)) ? true : undefined;
    },
    { timeoutMs, intervalMs: 100, what: `the health agent on ${listen.host}:${listen.port}` },
  );
  return pid;
}

export function stopAgent(files: HaproxyFiles): Promise<'stopped' | 'killed' | 'gone'> {
  return stopByPidFile(files.agentPidFile, files.agentConfig);
}

/** The agent's own view: every node's last poll and the word it gives each role. */
export async function agentStatus(listen: AgentAddress, timeoutMs = 2000): Promise<AgentStatus> {
  const text = await agentRequest(listen, 'status', timeoutMs);
  try {
    return JSON.parse(text) as AgentStatus;
  } catch {
    throw new ToolkitError(`health agent ${listen.host}:${listen.port}: unreadable status`);
  }
}
