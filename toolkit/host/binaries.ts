import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

// Debian puts server binaries in sbin, which a non-root PATH often lacks. TOOLKIT_SBIN_DIRS replaces
// the list (empty: PATH only), so a test can present a machine without some server.
const extraDirs = () =>
  (process.env.TOOLKIT_SBIN_DIRS ?? ['/usr/sbin', '/usr/local/sbin', '/sbin'].join(delimiter))
    .split(delimiter)
    .filter(Boolean);

/** The first of the names found on PATH (plus the sbin dirs), or undefined. */
export function findBinary(names: string[]): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...extraDirs()];
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
