import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../../lib/poll.ts';
import { isOurs, mysqlGreeting, spawnDetached, stopProcess } from '../host/process.ts';
import type { MysqlNode } from '../inventory/schema.ts';
import { findServerBinaries, type NodePaths, nodePathsIn, renderNodeConfig } from '../local/mysql-node.ts';
import { ToolkitError } from '../procedure/errors.ts';

/** A server restore.mjs (or backup --verify) started on a restored data dir; kept in server.json beside it. */
export interface RestoredServer {
  name: string;
  host: string;
  port: number;
  serverId: number;
  pid: number;
  dir: string;
  /** The backup it came from and the GTID position it was brought to. */
  backup: string;
  gtid: string;
}

export function restoredPaths(dir: string): NodePaths {
  return nodePathsIn(dir);
}

export function restoredNode(server: Pick<RestoredServer, 'name' | 'host' | 'port' | 'dir'>): MysqlNode {
  return {
    name: server.name,
    host: server.host,
    port: server.port,
    optionsDir: restoredPaths(server.dir).optionsDir,
  };
}

/**
 * Starts a server on the prepared data dir in dir/data with the same settings as the environment's
 * nodes (binlog, GTID strict mode), its own server id, and replication not started: a restored copy
 * must never begin pulling from whatever master its data remembers.
 */
export async function startRestoredServer(dir: string, port: number, serverId: number): Promise<number> {
  const binaries = findServerBinaries();
  const paths = restoredPaths(dir);
  for (const d of [paths.optionsDir, paths.tmp, paths.files]) mkdirSync(d, { recursive: true, mode: 0o700 });
  const config = renderNodeConfig({ name: 'restored', port, serverId }, paths, process.getuid?.() === 0);
  writeFileSync(paths.config, config.replace('[mysqld]\n', '[mysqld]\nskip_slave_start = ON\n'), {
    mode: 0o600,
  });
  if (await mysqlGreeting('127.0.0.1', port))
    throw new ToolkitError(`port ${port} is taken by another server: choose another with --port`);
  const pid = spawnDetached(binaries.server, [`--defaults-file=${paths.config}`], {
    logFile: join(dir, 'stdout.log'),
    env: { ...process.env, UMASK: '0600', UMASK_DIR: '0700' },
  });
  await waitFor(
    async (why) => {
      if (!isOurs(pid, paths.config))
        throw new ToolkitError(`the restored server exited during start: see ${paths.log}`);
      const version = await mysqlGreeting('127.0.0.1', port);
      if (!version) why(`port ${port} not answering yet`);
      return version;
    },
    { timeoutMs: 180_000, intervalMs: 200, what: `the restored server on port ${port}` },
  ).catch((error: Error) => {
    // A server that never answered is stopped, not left behind.
    if (isOurs(pid, paths.config)) process.kill(pid, 'SIGKILL');
    throw error;
  });
  return pid;
}

export function saveRestoredServer(server: RestoredServer): void {
  writeFileSync(join(server.dir, 'server.json'), `${JSON.stringify(server, null, 2)}\n`, { mode: 0o600 });
}

export function listRestoredServers(root: string): RestoredServer[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .map((name) => join(root, name, 'server.json'))
    .filter((file) => existsSync(file))
    .map((file) => JSON.parse(readFileSync(file, 'utf8')) as RestoredServer);
}

export function restoredServerRunning(server: Pick<RestoredServer, 'pid' | 'dir'>): boolean {
  return isOurs(server.pid, restoredPaths(server.dir).config);
}

/** Stops a restored server by its pid (only if it is still ours) and, when asked, deletes its directory. */
export async function discardRestoredServer(
  server: Pick<RestoredServer, 'pid' | 'dir'>,
  remove: boolean,
): Promise<string> {
  const stopped = await stopProcess(server.pid, restoredPaths(server.dir).config, 120_000);
  if (remove) rmSync(server.dir, { recursive: true, force: true });
  return stopped;
}
