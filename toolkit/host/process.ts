import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { waitFor } from '../../lib/poll.ts';

export function isAlive(pid: number | undefined): pid is number {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A zombie answers kill(0) but is gone for every purpose that matters here.
  try {
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

/** The pid a server wrote to its pid file, or undefined when there is no such file or number. */
export function readPidFile(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * True when the pid is alive and its command line contains the marker (a data dir or config
 * path): a recycled pid of some other program is never mistaken for ours, and never killed.
 */
export function isOurs(pid: number | undefined, marker: string): pid is number {
  if (!isAlive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').includes(marker);
  } catch {
    return false;
  }
}

export interface SpawnOptions {
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Starts a long-running server detached from this process (it outlives the runbook), logging to a file. */
export function spawnDetached(command: string, args: string[], options: SpawnOptions): number {
  const log = openSync(options.logFile, 'a');
  try {
    const child = spawn(command, args, {
      detached: true,
      stdio: ['ignore', log, log],
      env: options.env ?? process.env,
      cwd: options.cwd,
    });
    if (child.pid === undefined) throw new Error(`could not start ${command}`);
    child.unref();
    return child.pid;
  } finally {
    closeSync(log);
  }
}

/**
 * SIGTERM, a wait with a deadline, then SIGKILL; only for a pid that isOurs(). With `group`, the
 * whole process group the detached leader started (wrapper scripts such as rabbitmq-server).
 */
export async function stopProcess(
  pid: number,
  marker: string,
  timeoutMs = 30_000,
  group = false,
): Promise<'stopped' | 'killed' | 'gone'> {
  if (!isOurs(pid, marker)) return 'gone';
  const target = group ? -pid : pid;
  process.kill(target, 'SIGTERM');
  try {
    await waitFor(async () => (isAlive(pid) ? undefined : true), {
      timeoutMs,
      intervalMs: 100,
      what: `pid ${pid} to exit`,
    });
    return 'stopped';
  } catch {
    process.kill(target, 'SIGKILL');
    await waitFor(async () => (isAlive(pid) ? undefined : true), {
      timeoutMs: 5000,
      what: `pid ${pid} to die`,
    });
    return 'killed';
  }
}

/**
 * Reads the greeting a MySQL-family server sends on connect (no login needed) and returns its
 * version string, or undefined when nothing answers like a MySQL server.
 */
export function mysqlGreeting(host: string, port: number, timeoutMs = 1000): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const done = (version: string | undefined) => {
      socket.destroy();
      resolve(version);
    };
    socket.setTimeout(timeoutMs, () => done(undefined));
    socket.once('error', () => done(undefined));
    socket.once('data', (data: Buffer) => {
      // 3-byte length, sequence id, protocol version 10, then the NUL-terminated server version.
      // A server with no account for this host answers with an error packet (0xff) instead: up all the same.
      if (data.length >= 7 && data[4] === 0xff)
        return done(`answering (${data.subarray(7).toString('utf8').slice(0, 80)})`);
      if (data.length < 6 || data[4] !== 10) return done(undefined);
      const end = data.indexOf(0, 5);
      done(end === -1 ? undefined : data.subarray(5, end).toString('latin1'));
    });
  });
}
