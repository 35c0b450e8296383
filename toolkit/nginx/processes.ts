import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../../lib/poll.ts';
import { findBinary } from '../host/binaries.ts';
import { isAlive, isOurs, readPidFile, spawnDetached, stopProcess } from '../host/process.ts';
import { ToolkitError } from '../procedure/errors.ts';

/** The files of one nginx, all under its own prefix dir. */
export interface NginxFiles {
  dir: string;
  config: string;
  pid: string;
  errorLog: string;
  accessLog: string;
  tempDir: string;
}

export function nginxFiles(dir: string): NginxFiles {
  return {
    dir,
    config: join(dir, 'nginx.conf'),
    pid: join(dir, 'nginx.pid'),
    errorLog: join(dir, 'error.log'),
    accessLog: join(dir, 'access.log'),
    tempDir: join(dir, 'tmp'),
  };
}

function nginxBinary(): string {
  const binary = findBinary(['nginx']);
  if (!binary) throw new ToolkitError('nginx not found: apt-get install nginx');
  return binary;
}

/**
 * The command line every nginx of ours gets: its own prefix and config (which identify it as ours),
 * `-e` so not even the start-up messages go to /var/log/nginx, and in the foreground so the pid we
 * spawn is the master's.
 */
function nginxArgs(files: NginxFiles, config = files.config): string[] {
  return ['-p', files.dir, '-c', config, '-e', files.errorLog, '-g', 'daemon off;'];
}

/** `nginx -t`: a config that does not pass is refused before it can replace a running one. */
export function checkNginxConfig(files: NginxFiles, config = files.config): void {
  mkdirSync(files.tempDir, { recursive: true });
  try {
    execFileSync(nginxBinary(), ['-t', '-q', ...nginxArgs(files, config)], {
      encoding: 'utf8',
      stdio: 'pipe',
    });
  } catch (error) {
    const output = `${(error as { stderr?: string }).stderr ?? ''}`;
    const first = output.split('\n').find((l) => /emerg|alert|error/i.test(l)) ?? output.split('\n')[0];
    throw new ToolkitError(`nginx -t refused ${config}: ${first?.trim() || 'unknown error'}`);
  }
}

/** The master's pid when it runs and is ours (its command line names our config). */
export function nginxPid(files: NginxFiles, known?: number): number | undefined {
  for (const pid of [known, readPidFile(files.pid)]) if (isOurs(pid, files.config)) return pid;
  return undefined;
}

/** The master's workers, by their parent pid. */
export function nginxWorkers(master: number): number[] {
  const workers: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command name in parentheses: state, then the parent pid.
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (parent === master) workers.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return workers.sort((a, b) => a - b);
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

/** Starts nginx (config checked first); returns once the master has its workers and `ready` says yes. */
export async function startNginx(
  files: NginxFiles,
  ready: () => Promise<boolean>,
  timeoutMs = 15_000,
): Promise<number> {
  checkNginxConfig(files);
  const running = nginxPid(files);
  if (running) return running;
  const pid = spawnDetached(nginxBinary(), nginxArgs(files), { logFile: files.errorLog });
  await waitFor(
    async () => {
      if (!isOurs(pid, files.config))
        throw new ToolkitError(`nginx exited during start: see ${files.errorLog}`);
      return nginxWorkers(pid).length > 0 && (await ready()) ? true : undefined;
    },
    { timeoutMs, intervalMs: 100, what: `nginx (${files.config}) to serve` },
  );
  return pid;
}

/**
 * A new config without dropping a connection: `nginx -t` first, then SIGHUP to the master, which
 * starts new workers on the same listening sockets while the old ones finish what they serve (a
 * WebSocket keeps its old worker until it closes). Done when a worker of the new generation runs.
 */
export async function reloadNginx(files: NginxFiles, master: number, timeoutMs = 15_000): Promise<string> {
  checkNginxConfig(files);
  if (!isOurs(master, files.config))
    throw new ToolkitError(`nginx pid ${master} is not ours: start it instead`);
  const before = new Set(nginxWorkers(master));
  process.kill(master, 'SIGHUP');
  // Done when new workers run and every old one is gone or retired: nginx retitles a worker that no
  // longer accepts connections "worker process is shutting down" while it finishes what it serves.
  const fresh = await waitFor(
    async (why) => {
      const started = nginxWorkers(master).filter((w) => !before.has(w));
      const accepting = [...before].filter((w) => isAlive(w) && !/shutting down/.test(commandLine(w)));
      if (started.length > 0 && accepting.length === 0) return started;
      why(`new workers ${started.join(', ') || 'none'}, old ones still accepting: ${accepting.join(', ')}`);
      return undefined;
    },
    { timeoutMs, intervalMs: 50, what: 'new nginx workers' },
  );
  return `workers ${[...before].join(', ')} → ${fresh.join(', ')}`;
}

/** SIGQUIT first (graceful: open requests finish), then the usual SIGTERM/SIGKILL, only for our pid. */
export async function stopNginx(files: NginxFiles, known?: number): Promise<'stopped' | 'killed' | 'gone'> {
  const pid = nginxPid(files, known);
  if (!pid) return 'gone';
  process.kill(pid, 'SIGQUIT');
  const quit = await waitFor(async () => (isOurs(pid, files.config) ? undefined : true), {
    timeoutMs: 10_000,
    intervalMs: 100,
    what: `nginx pid ${pid} to finish its requests`,
  }).catch(() => false);
  const result = quit ? 'stopped' : await stopProcess(pid, files.config, 5000);
  rmSync(files.pid, { force: true });
  return result;
}
