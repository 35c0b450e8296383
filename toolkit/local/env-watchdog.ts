import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isOurs, spawnDetached } from '../host/process.ts';

/** A process as /proc tells it apart: a reused pid has another start time. */
export interface ProcessIdentity {
  pid: number;
  startTime: string;
}

/** Alive and not a zombie: its start time (clock ticks since boot), its parent and session. */
export function procStat(pid: number): { startTime: string; ppid: number; session: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
    return { startTime: fields[19]!, ppid: Number(fields[1]), session: Number(fields[3]) };
  } catch {
    return undefined;
  }
}

export function stillRunning(p: ProcessIdentity): boolean {
  return procStat(p.pid)?.startTime === p.startTime;
}

/**
 * This process and its ancestors up to its session leader (not included): a test runner's worker, the
 * npx in between. When one of them dies (vitest SIGKILLs a worker at a timeout) this process is an
 * orphan nobody waits for. The session leader (a login shell) is left out so that a drill run with
 * nohup survives a logout.
 */
export function ancestry(pid = process.pid): ProcessIdentity[] {
  const chain: ProcessIdentity[] = [];
  let current = pid;
  let stat = procStat(current);
  while (stat && current > 1 && current !== stat.session) {
    chain.push({ pid: current, startTime: stat.startTime });
    current = stat.ppid;
    stat = procStat(current);
  }
  return chain;
}

const watchdogEntry = resolve(dirname(fileURLToPath(import.meta.url)), 'env-watchdog-main.ts');

/**
 * A detached process that takes a throwaway environment down (`npm run down --wipe` with this
 * process's TOOLKIT_STATE_DIR and ports, then deletes the state dir) when this process or one of its
 * ancestors dies without closing it: killed by a test timeout, SIGKILLed. It kills this process
 * first if an ancestor died. stop() ends the watchdog once the environment has been closed normally.
 */
export function startEnvWatchdog(stateDir: string): { pid: number; stop(): void } {
  const watched = ancestry();
  const pid = spawnDetached(
    process.execPath,
    [
      '--import',
      'tsx',
      watchdogEntry,
      '--state-dir',
      stateDir,
      '--watch',
      watched.map((p) => `${p.pid}:${p.startTime}`).join(','),
    ],
    { logFile: `${stateDir}.watchdog.log`, env: process.env },
  );
  return {
    pid,
    stop: () => {
      if (isOurs(pid, stateDir)) process.kill(pid, 'SIGTERM');
    },
  };
}
