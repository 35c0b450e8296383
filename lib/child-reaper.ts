import type { ChildProcess } from 'node:child_process';
import { atExit } from './at-exit.ts';

/**
 * Children this process started and must not leave behind: sent SIGTERM when this process exits or is
 * stopped (lib/at-exit.ts), so an interrupted benchmark does not keep its app instances running.
 */
const live = new Set<ChildProcess>();

function stopAll(): void {
  for (const child of live) child.kill('SIGTERM');
  live.clear();
}

/** Stops child with SIGTERM if this process ends before the child does. */
export function reapWithThisProcess(child: ChildProcess): void {
  atExit(stopAll);
  live.add(child);
  child.once('exit', () => live.delete(child));
}
