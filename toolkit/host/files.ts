import { chmodSync, lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Mode bits for the group and everyone else. */
export const groupOrOtherBits = 0o077;

/**
 * Everything the local environment writes is for its owner only: servers it spawns inherit this
 * umask, and files it writes itself get 0600 / directories 0700.
 */
export function ownerOnlyUmask(): void {
  process.umask(groupOrOtherBits);
}

/** Removes group and other bits from a tree (symlinks left as they are). */
export function restrictToOwner(path: string): void {
  const stat = lstatSync(path);
  if (stat.isSymbolicLink()) return;
  if (stat.mode & groupOrOtherBits) chmodSync(path, stat.mode & 0o700);
  if (stat.isDirectory()) for (const entry of readdirSync(path)) restrictToOwner(join(path, entry));
}
