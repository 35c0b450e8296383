import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { localSecretsFile, readLocalSecretsForUpdate } from '../inventory/secrets.ts';
import type { Run } from '../procedure/run.ts';

/** Secrets the local environment generates once and keeps in .local/secrets.json (mode 0600). */
export const localSecretKeys = [
  'mysql-admin',
  'mysql-repl',
  'mysql-app',
  'mysql-migrate',
  'mysql-monitor',
  'mysql-binlog-archive',
  'mysql-exporter',
] as const;

/**
 * Generates each of `keys` missing from .local/secrets.json (and sets `extra` as given), keeping every
 * other secret: the one writer of that file for `up`. A corrupt file stops it (readLocalSecretsForUpdate).
 */
export async function ensureLocalSecrets(
  run: Run,
  extra: Record<string, string> = {},
  options: { host?: string; keys?: readonly string[] } = {},
): Promise<void> {
  const file = localSecretsFile();
  const keys = options.keys ?? localSecretKeys;
  await run.converge({
    name: 'generated secrets',
    host: options.host ?? 'local',
    read: async () => readLocalSecretsForUpdate(),
    diff: (current) => {
      const missing = [
        ...keys.filter((k) => !current[k]),
        ...Object.keys(extra).filter((k) => current[k] !== extra[k]),
      ];
      return missing.length ? `generate ${missing.join(', ')} into ${file}` : null;
    },
    describe: () => `${keys.join(', ')} in ${file} (mode 0600)`,
    apply: async (current) => {
      const next = { ...current, ...extra };
      for (const key of keys) next[key] ??= randomBytes(18).toString('base64url');
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
      chmodSync(file, 0o600);
    },
  });
}
