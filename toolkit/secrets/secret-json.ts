import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** A JSON file of secrets, or {} when there is none yet. */
export function readSecretJson<T extends object>(path: string): Partial<T> {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Partial<T>;
  } catch {
    return {};
  }
}

/** Writes a JSON file of secrets whole (writeWhole), mode 0600. */
export function writeSecretJson(path: string, value: object): void {
  writeWhole(path, `${JSON.stringify(value, null, 2)}\n`, 0o600);
}

/**
 * Writes a file atomically with this mode: a temp file beside it (the mode from its creation, and set
 * again past the umask), then a rename, so a crash leaves the old file or the new one, never half of either.
 */
export function writeWhole(path: string, content: string, mode: number): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, content, { mode });
  chmodSync(temp, mode);
  renameSync(temp, path);
}
