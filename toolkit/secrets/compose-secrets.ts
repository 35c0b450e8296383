import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { clickhouseUserXml } from '../clickhouse/user-file.ts';
import { repoRoot } from '../inventory/paths.ts';
import { mysqldExporterCnf } from '../prometheus/exporters.ts';
import { writeWhole } from './secret-json.ts';

/** Where compose's `secrets:` take their files from (git-ignored). */
export const composeSecretsDir = resolve(repoRoot, 'compose', 'secrets');

/** The secrets generated once, each a file of that name: random bytes (this many), base64url. */
export const composeRandomSecrets = {
  'mysql-root-password': 24,
  'mysql-app-password': 24,
  'mysql-migrate-password': 24,
  'mysql-replicator-password': 24,
  'mysql-binlog-archive-password': 24,
  'mysql-monitor-password': 24,
  'mysql-exporter-password': 24,
  'rabbitmq-password': 24,
  'tarantool-password': 24,
  'tarantool-admin-password': 24,
  'clickhouse-password': 24,
  'grafana-admin-password': 24,
  // The app's HMAC key: at least 32 characters (app/src/platform/config.ts).
  'auth-token-secret': 48,
} as const;
export type ComposeRandomSecret = keyof typeof composeRandomSecrets;

/** The MySQL nodes of the compose files, by the name their exporter reaches each at. */
export const composeMysqlNodes = ['db', 'db-slave-1', 'db-slave-2'] as const;

/**
 * Files made of those secrets for the images that read no `*_FILE` variable, rendered again on every run
 * (from the secrets above) so they always agree with them: RabbitMQ's default user (a conf.d file, as the
 * stacks do), ClickHouse's app user (users.d, the password's SHA-256 only), each mysqld-exporter's login.
 */
export function composeDerivedFiles(secret: (name: ComposeRandomSecret) => string): Record<string, string> {
  const exporterPassword = secret('mysql-exporter-password');
  return {
    'rabbitmq-default-user.conf': `default_user = app\ndefault_pass = ${secret('rabbitmq-password')}\n`,
    'clickhouse-user.xml': clickhouseUserXml(secret('clickhouse-password')),
    ...Object.fromEntries(
      composeMysqlNodes.map((node) => [
        `mysqld-exporter-${node}.cnf`,
        mysqldExporterCnf({ user: 'exporter', password: exporterPassword, host: node, port: 3306 }),
      ]),
    ),
  };
}

/** Every file compose's `secrets:` may name under compose/secrets/. */
export function composeSecretFileNames(): string[] {
  return [...Object.keys(composeRandomSecrets), ...Object.keys(composeDerivedFiles(() => 'x'))];
}

export interface ComposeSecretsResult {
  generated: string[];
  rendered: string[];
  kept: string[];
}

/**
 * Generates each missing secret into dir and renders the derived files; an existing secret is never
 * replaced (the servers were initialised with it). The directory is 0700, so no other user of the host
 * reaches the files; the files themselves are 0644, because compose bind-mounts them as they are and the
 * images read them as their own users (mysql, rabbitmq, grafana, HAProxy's 99, the app's node), whose
 * uid the host's file owner is not. Each file is written whole (a temp file renamed over it).
 */
export function ensureComposeSecrets(dir: string = composeSecretsDir): ComposeSecretsResult {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const result: ComposeSecretsResult = { generated: [], rendered: [], kept: [] };
  const existing = readExistingSecrets(dir);
  const values = new Map<string, string>();
  for (const [name, bytes] of Object.entries(composeRandomSecrets)) {
    const file = join(dir, name);
    const kept = existing.get(name);
    if (kept) {
      values.set(name, kept);
      result.kept.push(name);
      continue;
    }
    const value = randomBytes(bytes).toString('base64url');
    writeWhole(file, value, 0o644);
    values.set(name, value);
    result.generated.push(name);
  }
  for (const [name, content] of Object.entries(composeDerivedFiles((n) => values.get(n)!))) {
    const file = join(dir, name);
    if (existsSync(file) && readFileSync(file, 'utf8') === content) continue;
    writeWhole(file, content, 0o644);
    result.rendered.push(name);
  }
  return result;
}

/**
 * The secrets already in dir, each checked before anything is written: one line of at least 16 (the
 * token: 32) characters of base64/base64url's alphabet. MySQL's file_env reads a file whole while the app
 * trims it, and RabbitMQ's conf.d line takes the value as it is, so a CR, a space, a second line or a
 * quote would give the servers and their clients different passwords: refused, naming the file only.
 */
function readExistingSecrets(dir: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const name of Object.keys(composeRandomSecrets) as ComposeRandomSecret[]) {
    const file = join(dir, name);
    if (!existsSync(file)) continue;
    const content = readFileSync(file, 'utf8');
    if (content === '') continue;
    const min = name === 'auth-token-secret' ? 32 : 16;
    const value = /^([A-Za-z0-9._~+/=-]+)\n?$/.exec(content)?.[1];
    if (!value || value.length < min)
      throw new Error(
        `${file}: a secret must be one line of at least ${min} characters of A-Z a-z 0-9 . _ ~ + / = - (no spaces, CR or quotes); fix or delete it`,
      );
    values.set(name, value);
  }
  return values;
}

/** `npx zx scripts/compose-secrets.mjs`: names what it generated or rendered, never a value. */
export function composeSecretsMain(args: string[]): number {
  if (args.length) {
    process.stderr.write('usage: npx zx scripts/compose-secrets.mjs (no arguments)\n');
    return 2;
  }
  try {
    const { generated, rendered, kept } = ensureComposeSecrets();
    const where = relative(process.cwd(), composeSecretsDir) || composeSecretsDir;
    for (const name of generated) process.stdout.write(`generated ${join(where, name)}\n`);
    for (const name of rendered) process.stdout.write(`rendered ${join(where, name)}\n`);
    process.stdout.write(`${kept.length} existing secret(s) kept in ${where}\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`compose-secrets: ${(error as Error).message}\n`);
    return 1;
  }
}
