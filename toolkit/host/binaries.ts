import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

// Debian puts server binaries in sbin, which a non-root PATH often lacks.
const extraDirs = ['/usr/sbin', '/usr/local/sbin', '/sbin'];

/** The first of the names found on PATH (plus the sbin dirs), or undefined. */
export function findBinary(names: string[]): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...extraDirs];
  for (const name of names) {
    for (const dir of name.startsWith('/') ? ['/'] : dirs) {
      const path = join(dir, name);
      try {
        accessSync(path, constants.X_OK);
        return path;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}
