import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Where the local environment keeps its data, pids and generated secrets (gitignored). */
export function stateDir(): string {
  return resolve(process.env.TOOLKIT_STATE_DIR ?? resolve(repoRoot, '.local'));
}

/** Where the inventories of non-local environments live, under version control. */
export function environmentsDir(): string {
  return resolve(process.env.TOOLKIT_ENVIRONMENTS_DIR ?? resolve(repoRoot, 'environments'));
}

/** Caches worth sharing between environments (initialised data-dir templates); tests point their state elsewhere but keep this. */
export function cacheDir(): string {
  return resolve(process.env.TOOLKIT_CACHE_DIR ?? resolve(repoRoot, '.local', 'cache'));
}
