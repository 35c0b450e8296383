import { mkdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../../lib/poll.ts';
import { TarantoolClient } from '../../lib/tarantool/iproto.ts';
import { findBinary } from '../host/binaries.ts';
import { isAlive, spawnDetached } from '../host/process.ts';
import { repoRoot } from '../inventory/paths.ts';
import { faultVariable } from './replicator/fault.ts';

export const initLua = join(repoRoot, 'compose', 'tarantool', 'init.lua');
export const replicatorConfigFile = join(repoRoot, 'compose', 'tarantool', 'replicator.yml');
export const replicatorEntry = join(repoRoot, 'toolkit', 'tarantool', 'replicator', 'main.ts');

export interface TarantoolServerOptions {
  host: string;
  port: number;
  dir: string;
  appPassword: string;
  adminPassword: string;
  memtxBytes?: number;
}

/** Starts `tarantool init.lua` as a detached process with its data in dir; resolves once it has bootstrapped. */
export async function startTarantool(options: TarantoolServerOptions): Promise<number> {
  const binary = findBinary(['tarantool']);
  if (!binary) throw new Error('tarantool not found: apt-get install tarantool');
  mkdirSync(options.dir, { recursive: true });
  // Passwords travel in the environment, never in the process arguments.
  const pid = spawnDetached(binary, [initLua, options.dir], {
    logFile: join(options.dir, 'tarantool.log'),
    cwd: options.dir,
    env: {
      ...process.env,
      TARANTOOL_LISTEN: `${options.host}:${options.port}`,
      TARANTOOL_WORK_DIR: options.dir,
      TARANTOOL_MEMTX_MEMORY: String(options.memtxBytes ?? 1024 * 1024 * 1024),
      TARANTOOL_USER_NAME: 'app',
      TARANTOOL_USER_PASSWORD: options.appPassword,
      TARANTOOL_ADMIN_PASSWORD: options.adminPassword,
    },
  });
  await waitUntilRunning(pid, options);
  return pid;
}

/**
 * Tarantool greets before its bootstrap (and init.lua's users) are done, and answers requests made
 * then with "Instance bootstrap hasn't finished yet": ready means admin logs in and box.info.status
 * is 'running'.
 */
async function waitUntilRunning(pid: number, options: TarantoolServerOptions): Promise<void> {
  const log = join(options.dir, 'tarantool.log');
  await waitFor(
    async (why) => {
      if (!tarantoolIsOurs(pid, options.dir)) throw new Error(`tarantool exited during start: see ${log}`);
      let client: TarantoolClient | undefined;
      try {
        client = await TarantoolClient.connect({
          host: options.host,
          port: options.port,
          user: 'admin',
          password: options.adminPassword,
          connectTimeoutMs: 500,
        });
        const [status] = await client.eval('return box.info.status');
        if (status === 'running') return true;
        why(`box.info.status is ${String(status)}`);
      } catch (error) {
        why((error as Error).message);
      } finally {
        client?.close();
      }
      return undefined;
    },
    {
      timeoutMs: 60_000,
      intervalMs: 100,
      what: `tarantool on ${options.host}:${options.port} to finish its bootstrap (see ${log})`,
    },
  );
}

/**
 * Tarantool rewrites its command line ("tarantool init.lua <running>"), so ours is recognised by its
 * working directory, the data dir it was started in: a recycled pid is never mistaken for it.
 */
export function tarantoolIsOurs(pid: number | undefined, dir: string): pid is number {
  if (!isAlive(pid)) return false;
  try {
    return readlinkSync(`/proc/${pid}/cwd`) === dir;
  } catch {
    return false;
  }
}

/** SIGTERM (Tarantool writes nothing more on exit: its WAL is already durable), then SIGKILL after a deadline. */
export async function stopTarantool(pid: number, dir: string): Promise<'stopped' | 'killed' | 'gone'> {
  if (!tarantoolIsOurs(pid, dir)) return 'gone';
  process.kill(pid, 'SIGTERM');
  try {
    await waitFor(async () => (isAlive(pid) ? undefined : true), {
      timeoutMs: 20_000,
      what: `tarantool pid ${pid} to exit`,
    });
    return 'stopped';
  } catch {
    process.kill(pid, 'SIGKILL');
    await waitFor(async () => (isAlive(pid) ? undefined : true), {
      timeoutMs: 5000,
      what: `tarantool pid ${pid} to die`,
    });
    return 'killed';
  }
}

export interface ReplicatorProcessOptions {
  mysql: { host: string; port: number; user: string; password: string; database: string };
  tarantool: { host: string; port: number; user: string; password: string };
  logFile: string;
  serverId?: number;
  configFile?: string;
  /** Where it serves /metrics (127.0.0.1); none without it, so test replicators never share a port. */
  metricsPort?: number;
  /** Tests only: a fault point for the process (see fault.ts). */
  testFault?: string;
}

/** The environment the shared replicator.yml is expanded from (compose sets the same names). */
export function replicatorEnv(options: ReplicatorProcessOptions): NodeJS.ProcessEnv {
  return {
    MYSQL_HOST: options.mysql.host,
    MYSQL_PORT: String(options.mysql.port),
    MYSQL_DATABASE: options.mysql.database,
    REPLICATOR_MYSQL_USER: options.mysql.user,
    REPLICATOR_MYSQL_PASSWORD: options.mysql.password,
    REPLICATOR_SERVER_ID: String(options.serverId ?? 7001),
    TARANTOOL_HOST: options.tarantool.host,
    TARANTOOL_PORT: String(options.tarantool.port),
    TARANTOOL_USER: options.tarantool.user,
    TARANTOOL_PASSWORD: options.tarantool.password,
    REPLICATOR_METRICS_HOST: '127.0.0.1',
    REPLICATOR_METRICS_PORT: String(options.metricsPort ?? 0),
  };
}

/** Starts the replicator detached (it outlives the runbook that starts it); returns its pid. */
export function startReplicator(options: ReplicatorProcessOptions): number {
  return spawnDetached(
    process.execPath,
    ['--import', 'tsx', replicatorEntry, '--config', options.configFile ?? replicatorConfigFile],
    {
      logFile: options.logFile,
      cwd: repoRoot,
      env: {
        ...process.env,
        ...replicatorEnv(options),
        ...(options.testFault ? { [faultVariable]: options.testFault } : {}),
      },
    },
  );
}

export const replicatorMarker = replicatorEntry;
