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

/**
 * Writes a JSON file of secrets atomically with mode 0600: a temp file beside it (0600 from its
 * creation), then a rename, so a crash leaves the old file or the new one, never half of either.
 */
export function writeSecretJson(path: string, value: object): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temp, 0o600);
  renameSync(temp, path);
}
