import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Temp dirs of this process, removed when it exits or is interrupted (SIGINT/SIGTERM, as vitest
 * sends its workers), so a test that fails half-way or is stopped leaves nothing in the system temp dir.
 */
const live = new Set<string>();
let hooked = false;

function removeAll(): void {
  for (const dir of live) rmSync(dir, { recursive: true, force: true });
  live.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  removeAll();
  // Then die of the signal as if nobody had listened.
  process.removeListener(signal, onSignal);
  process.kill(process.pid, signal);
}

function hook(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', removeAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, onSignal);
}

/** A new directory in the system temp dir, named prefix + random, removed by removeTempDir or at exit. */
export function makeTempDir(prefix: string): string {
  hook();
  const dir = mkdtempSync(join(tmpdir(), prefix));
  live.add(dir);
  return dir;
}

export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  live.delete(dir);
}

/** Leaves dir to outlive this process (a server started for another process keeps its data there). */
export function keepTempDir(dir: string): void {
  live.delete(dir);
}
