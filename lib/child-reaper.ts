import type { ChildProcess } from 'node:child_process';

/**
 * Children this process started and must not leave behind: sent SIGTERM when this process exits or is
 * stopped (SIGINT/SIGTERM/SIGHUP), so an interrupted benchmark does not keep its app instances running.
 * A SIGKILL of this process cannot be caught: that case needs a watchdog (toolkit/local/env-watchdog.ts).
 */
const live = new Set<ChildProcess>();
let hooked = false;

function stopAll(): void {
  for (const child of live) child.kill('SIGTERM');
  live.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  stopAll();
  // Then die of the signal as if nobody had listened (as lib/temp-dirs.ts does).
  process.removeListener(signal, onSignal);
  process.kill(process.pid, signal);
}

function hook(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', stopAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, onSignal);
}

/** Stops child with SIGTERM if this process ends before the child does. */
export function reapWithThisProcess(child: ChildProcess): void {
  hook();
  live.add(child);
  child.once('exit', () => live.delete(child));
}
