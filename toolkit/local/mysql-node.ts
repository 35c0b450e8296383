import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { waitFor } from '../../lib/poll.ts';
import { findBinary } from '../host/binaries.ts';
import { restrictToOwner } from '../host/files.ts';
import { isOurs, mysqlGreeting, spawnDetached, stopProcess } from '../host/process.ts';
import { cacheDir, repoRoot } from '../inventory/paths.ts';
import { ToolkitError } from '../procedure/errors.ts';
import { type LocalMysqlNode, nodeDir } from './state.ts';

export interface ServerBinaries {
  kind: 'mariadb' | 'mysql';
  server: string;
  installDb?: string;
  client: string;
  version: string;
}

export const sharedReplicationConfig = join(repoRoot, 'compose', 'mysql', 'replication.cnf');

/** The MySQL-family server on this machine, or a one-line error naming the package to install. */
export function findServerBinaries(): ServerBinaries {
  const server = findBinary(['mariadbd', 'mysqld']);
  const client = findBinary(['mariadb', 'mysql']);
  if (!server || !client) {
    throw new ToolkitError(
      'no MySQL-family server found (mariadbd or mysqld): apt-get install mariadb-server mariadb-client',
    );
  }
  const version = execFileSync(server, ['--version'], { encoding: 'utf8' }).trim();
  const kind = /mariadb/i.test(version) ? 'mariadb' : 'mysql';
  const installDb = kind === 'mariadb' ? findBinary(['mariadb-install-db', 'mysql_install_db']) : undefined;
  if (kind === 'mariadb' && !installDb)
    throw new ToolkitError('mariadb-install-db not found: apt-get install mariadb-server');
  return { kind, server, installDb, client, version };
}

export interface NodePaths {
  dir: string;
  data: string;
  config: string;
  optionsDir: string;
  socket: string;
  log: string;
  tmp: string;
  files: string;
}

export function nodePaths(name: string): NodePaths {
  return nodePathsIn(nodeDir(name));
}

/** A MySQL node's files under `dir` (the local environment's nodes, a restored backup's server). */
export function nodePathsIn(dir: string): NodePaths {
  return {
    dir,
    data: join(dir, 'data'),
    config: join(dir, 'my.cnf'),
    optionsDir: join(dir, 'conf.d'),
    socket: join(dir, 'mysqld.sock'),
    log: join(dir, 'error.log'),
    tmp: join(dir, 'tmp'),
    files: join(dir, 'files'),
  };
}

export function renderNodeConfig(node: LocalMysqlNode, paths: NodePaths, runAsRoot: boolean): string {
  const lines = [
    '# written by the local environment (npm run up); settings the runbooks persist are in conf.d/',
    '[mysqld]',
    ...(runAsRoot ? ['user = root'] : []),
    `server_id = ${node.serverId}`,
    'bind_address = 127.0.0.1',
    `port = ${node.port}`,
    `datadir = ${paths.data}`,
    `socket = ${paths.socket}`,
    `pid_file = ${join(paths.dir, 'mysqld.pid')}`,
    `log_error = ${paths.log}`,
    `tmpdir = ${paths.tmp}`,
    // The users generator and the ClickHouse export read and write files here (it can only be set at start).
    `secure_file_priv = ${paths.files}`,
    // Sized for several servers on one small machine, not for production.
    `innodb_buffer_pool_size = ${process.env.LOCAL_MYSQL_BUFFER_POOL ?? '256M'}`,
    'innodb_log_file_size = 128M',
    'performance_schema = OFF',
    `!include ${sharedReplicationConfig}`,
    `!includedir ${paths.optionsDir}`,
    '',
  ];
  return lines.join('\n');
}

/**
 * One initialised, empty data dir per server build, copied for each node: initialising takes
 * seconds, copying a clean one a fraction of that.
 */
async function templateDataDir(binaries: ServerBinaries): Promise<string> {
  const cache = cacheDir();
  const key = binaries.version.replace(/[^A-Za-z0-9.]+/g, '_').slice(0, 80);
  const template = join(cache, `datadir-${key}`);
  if (existsSync(join(template, 'mysql'))) return template;
  mkdirSync(cache, { recursive: true });
  const work = mkdtempSync(join(cache, 'init-'));
  const data = join(work, 'data');
  const tmp = join(work, 'tmp');
  mkdirSync(tmp);
  const asRoot = process.getuid?.() === 0;
  // Each initialisation gets its own TMPDIR: in parallel with a shared /tmp some of them fail.
  const env = { ...process.env, TMPDIR: tmp, UMASK: '0600', UMASK_DIR: '0700' };
  const result =
    binaries.kind === 'mariadb'
      ? await execa(
          binaries.installDb!,
          [
            '--no-defaults',
            `--datadir=${data}`,
            '--skip-test-db',
            '--auth-root-authentication-method=socket',
            ...(asRoot ? ['--user=root'] : []),
          ],
          { env, reject: false },
        )
      : await execa(
          binaries.server,
          ['--no-defaults', '--initialize-insecure', `--datadir=${data}`, ...(asRoot ? ['--user=root'] : [])],
          {
            env,
            reject: false,
          },
        );
  if (result.failed) {
    rmSync(work, { recursive: true, force: true });
    throw new ToolkitError(
      `initialising a data dir failed: ${(result.stderr || result.stdout).split('\n').filter(Boolean).pop() ?? 'no output'}`,
    );
  }
  restrictToOwner(data);
  try {
    renameSync(data, template);
  } catch {
    // Another process made the same template first; theirs is as good.
  }
  rmSync(work, { recursive: true, force: true });
  return template;
}

export async function ensureDataDir(
  binaries: ServerBinaries,
  node: LocalMysqlNode,
): Promise<'created' | 'present'> {
  const paths = nodePaths(node.name);
  for (const dir of [paths.dir, paths.optionsDir, paths.tmp, paths.files])
    mkdirSync(dir, { recursive: true });
  writeFileSync(paths.config, renderNodeConfig(node, paths, process.getuid?.() === 0));
  if (existsSync(join(paths.data, 'mysql'))) return 'present';
  const template = await templateDataDir(binaries);
  const partial = `${paths.data}.partial`;
  rmSync(partial, { recursive: true, force: true });
  cpSync(template, partial, { recursive: true });
  // The template may come from a run under a laxer umask: cpSync keeps its modes.
  restrictToOwner(partial);
  renameSync(partial, paths.data);
  return 'created';
}

export function startNode(binaries: ServerBinaries, node: LocalMysqlNode): number {
  const paths = nodePaths(node.name);
  // --defaults-file must come first; it also keeps /etc/mysql out of the picture.
  return spawnDetached(binaries.server, [`--defaults-file=${paths.config}`], {
    logFile: join(paths.dir, 'stdout.log'),
    // mariadbd/mysqld create files with their own modes (0660 unless told), not the process umask.
    env: { ...process.env, UMASK: '0600', UMASK_DIR: '0700' },
  });
}

export function nodeIsRunning(node: LocalMysqlNode): boolean {
  return isOurs(node.pid, nodePaths(node.name).config);
}

export async function waitUntilServing(
  node: LocalMysqlNode,
  pid: number,
  timeoutMs = 60_000,
): Promise<string> {
  const paths = nodePaths(node.name);
  return waitFor(
    async (why) => {
      if (!isOurs(pid, paths.config))
        throw new ToolkitError(`${node.name} exited during start: see ${paths.log}`);
      const version = await mysqlGreeting('127.0.0.1', node.port);
      if (!version) why(`port ${node.port} not answering yet`);
      return version;
    },
    { timeoutMs, intervalMs: 100, what: `${node.name} to accept connections on ${node.port}` },
  );
}

export async function stopNode(node: LocalMysqlNode): Promise<string> {
  if (!node.pid) return 'not started by us';
  return stopProcess(node.pid, nodePaths(node.name).config, 120_000);
}

/**
 * Runs SQL through the command-line client over the node's socket as the OS user the data dir was
 * initialised for (socket authentication): the only way in before any password exists. The SQL
 * goes through stdin, so no secret is ever in a process's arguments.
 */
export async function runAsSocketRoot(
  binaries: ServerBinaries,
  node: LocalMysqlNode,
  sql: string,
): Promise<void> {
  const paths = nodePaths(node.name);
  const user = process.getuid?.() === 0 ? 'root' : userInfo().username;
  const result = await execa(
    binaries.client,
    ['--no-defaults', `--socket=${paths.socket}`, `--user=${user}`, '--batch'],
    {
      input: sql,
      reject: false,
    },
  );
  if (result.failed)
    throw new ToolkitError(`${node.name}: bootstrap SQL failed: ${result.stderr.split('\n')[0]}`);
}
