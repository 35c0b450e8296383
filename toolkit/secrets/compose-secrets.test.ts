import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { makeTempDir } from '../../lib/temp-dirs.ts';
import {
  composeMysqlNodes,
  composeRandomSecrets,
  composeSecretFileNames,
  composeSecretsMain,
  ensureComposeSecrets,
} from './compose-secrets.ts';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const read = (name: string) => readFileSync(join(dir, name), 'utf8');
const mode = (path: string) => statSync(path).mode & 0o777;

describe('compose secrets (scripts/compose-secrets.mjs)', () => {
  it('generates every secret at random, and the files made of them, in a directory only its owner enters', () => {
    dir = join(makeTempDir('compose-secrets-'), 'secrets');
    const first = ensureComposeSecrets(dir);
    expect(first.generated.sort()).toEqual(Object.keys(composeRandomSecrets).sort());
    expect(first.kept).toEqual([]);
    expect(readdirSync(dir).sort()).toEqual(composeSecretFileNames().sort());
    expect(mode(dir)).toBe(0o700);
    for (const name of readdirSync(dir)) expect(mode(join(dir, name)), name).toBe(0o644);

    const values = Object.keys(composeRandomSecrets).map(read);
    expect(new Set(values).size).toBe(values.length);
    for (const value of values) expect(value).toMatch(/^[A-Za-z0-9_-]{32,}$/);
    expect(read('auth-token-secret').length).toBeGreaterThanOrEqual(64);

    expect(read('rabbitmq-default-user.conf')).toBe(
      `default_user = app\ndefault_pass = ${read('rabbitmq-password')}\n`,
    );
    expect(read('clickhouse-user.xml')).toContain('<password_sha256_hex>');
    expect(read('clickhouse-user.xml')).not.toContain(read('clickhouse-password'));
    for (const node of composeMysqlNodes) {
      const cnf = read(`mysqld-exporter-${node}.cnf`);
      expect(cnf).toContain(`host=${node}\n`);
      expect(cnf).toContain(`password="${read('mysql-exporter-password')}"`);
    }
  });

  it('keeps every existing secret on a rerun, and renders again only what a changed secret feeds', () => {
    dir = join(makeTempDir('compose-secrets-'), 'secrets');
    ensureComposeSecrets(dir);
    const before = Object.fromEntries(readdirSync(dir).map((n) => [n, read(n)]));
    const again = ensureComposeSecrets(dir);
    expect([again.generated, again.rendered]).toEqual([[], []]);
    expect(Object.fromEntries(readdirSync(dir).map((n) => [n, read(n)]))).toEqual(before);

    // An operator's own RabbitMQ password (a newline after it, as editors leave) is kept and rendered in.
    writeFileSync(join(dir, 'rabbitmq-password'), 'chosen-by-the-operator\n');
    rmSync(join(dir, 'mysql-monitor-password'));
    const third = ensureComposeSecrets(dir);
    expect(third.generated).toEqual(['mysql-monitor-password']);
    expect(third.rendered).toEqual(['rabbitmq-default-user.conf']);
    expect(read('rabbitmq-default-user.conf')).toContain('default_pass = chosen-by-the-operator\n');
    expect(read('mysql-root-password')).toBe(before['mysql-root-password']);
  });

  it('refuses a secret file the servers and their clients would read differently, writing nothing', () => {
    dir = join(makeTempDir('compose-secrets-'), 'secrets');
    ensureComposeSecrets(dir);
    rmSync(join(dir, 'mysql-monitor-password'));
    for (const [name, bad] of [
      ['mysql-root-password', 'windows-line-end-password\r\n'],
      ['rabbitmq-password', 'two\nlines-of-a-password'],
      ['mysql-app-password', 'has a space in it 1234'],
      ['auth-token-secret', 'only-twenty-chars-xx'],
      ['clickhouse-password', 'short'],
    ] as const) {
      const before = readFileSync(join(dir, name), 'utf8');
      writeFileSync(join(dir, name), bad);
      expect(() => ensureComposeSecrets(dir), name).toThrow(new RegExp(`${name}: a secret must be one line`));
      expect(readdirSync(dir)).not.toContain('mysql-monitor-password');
      writeFileSync(join(dir, name), before);
    }
    expect(ensureComposeSecrets(dir).generated).toEqual(['mysql-monitor-password']);
  });

  it('refuses arguments in one line, exit 2', () => {
    dir = makeTempDir('compose-secrets-');
    const written: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    try {
      expect(composeSecretsMain(['--force'])).toBe(2);
    } finally {
      spy.mockRestore();
    }
    expect(written.join('').trim().split('\n')).toHaveLength(1);
  });
});
