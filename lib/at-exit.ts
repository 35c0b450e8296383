/**
 * Cleanups run when this process exits or is stopped (SIGINT/SIGTERM/SIGHUP, as vitest sends its
 * workers): after them a stopped process dies of the signal as if nobody had listened. One hook for
 * every user (lib/temp-dirs.ts, lib/child-reaper.ts), so each signal is re-raised once. A cleanup may
 * run twice (a signal, then the exit it causes) and must be synchronous. A SIGKILL cannot be caught:
 * that case needs a watchdog (toolkit/local/env-watchdog.ts).
 */
const cleanups = new Set<() => void>();
let hooked = false;

function runAll(): void {
  for (const cleanup of cleanups) cleanup();
}

function onSignal(signal: NodeJS.Signals): void {
  runAll();
  process.removeListener(signal, onSignal);
  process.kill(process.pid, signal);
}

/** Runs cleanup at this process's exit or stop (see above); registering the same one again is a no-op. */
export function atExit(cleanup: () => void): void {
  cleanups.add(cleanup);
  if (hooked) return;
  hooked = true;
  process.on('exit', runAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, onSignal);
}
