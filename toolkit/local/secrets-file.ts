import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { localSecretsFile, readLocalSecrets } from '../inventory/secrets.ts';
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

export async function ensureLocalSecrets(run: Run, extra: Record<string, string> = {}): Promise<void> {
  const file = localSecretsFile();
  await run.converge({
    name: 'generated secrets',
    host: 'local',
    read: async () => readLocalSecrets(),
    diff: (current) => {
      const missing = [
        ...localSecretKeys.filter((k) => !current[k]),
        ...Object.keys(extra).filter((k) => current[k] !== extra[k]),
      ];
      return missing.length ? `generate ${missing.join(', ')} into ${file}` : null;
    },
    describe: () => `${file} (mode 0600)`,
    apply: async (current) => {
      const next = { ...current, ...extra };
      for (const key of localSecretKeys) next[key] ??= randomBytes(18).toString('base64url');
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
      chmodSync(file, 0o600);
    },
  });
}
