import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { atExit } from './at-exit.ts';

/**
 * Temp dirs of this process, removed when it exits or is interrupted (SIGINT/SIGTERM, as vitest
 * sends its workers), so a test that fails half-way or is stopped leaves nothing in the system temp dir.
 */
const live = new Set<string>();

function removeAll(): void {
  for (const dir of live) rmSync(dir, { recursive: true, force: true });
  live.clear();
}

/** A new directory in the system temp dir, named prefix + random, removed by removeTempDir or at exit. */
export function makeTempDir(prefix: string): string {
  atExit(removeAll);
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
