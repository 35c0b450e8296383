import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ToolkitError } from '../procedure/errors.ts';

/**
 * A JSON file of secrets, or {} when there is none yet. A file that is there but unreadable or not JSON
 * is an error, not {}: writing {} plus one entry over it would lose what it held (a pending rotation's
 * passwords). The message names the file only, never its content.
 */
export function readSecretJson<T extends object>(path: string): Partial<T> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new ToolkitError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  try {
    return JSON.parse(text) as Partial<T>;
  } catch {
    throw new ToolkitError(`${path} is not JSON: fix it or move it aside (it may hold passwords in use)`);
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
