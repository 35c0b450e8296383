import { rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { makeTempDir } from '../../lib/temp-dirs.ts';
import { ToolkitError } from '../procedure/errors.ts';
import { redact } from '../procedure/redact.ts';
import { repoRoot } from './paths.ts';
import { localSecretsFile, readLocalSecrets, readLocalSecretsForUpdate, resolveSecret } from './secrets.ts';

// Each test file runs in its own worker, so this does not leak into other files.
const dir = makeTempDir('toolkit-secrets-');
process.env.TOOLKIT_STATE_DIR = dir;

afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  vi.unstubAllEnvs();
  rmSync(join(dir, 'secrets.json'), { force: true });
});

function thrown(fn: () => unknown): ToolkitError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ToolkitError);
    return error as ToolkitError;
  }
  throw new Error('expected a ToolkitError');
}

describe('resolveSecret: env:', () => {
  it('reads an environment variable and registers it for redaction', () => {
    vi.stubEnv('TEST_MYSQL_ADMIN_PASSWORD', 'env-secret-value-1');
    expect(redact('password env-secret-value-1')).toBe('password env-secret-value-1');
    expect(resolveSecret('env:TEST_MYSQL_ADMIN_PASSWORD')).toBe('env-secret-value-1');
    expect(redact('password env-secret-value-1')).toBe('password ***');
  });

  it('names the unset variable and how to set it', () => {
    vi.stubEnv('TEST_UNSET_SECRET', undefined);
    expect(thrown(() => resolveSecret('env:TEST_UNSET_SECRET')).message).toBe(
      'secret env:TEST_UNSET_SECRET is not set: export TEST_UNSET_SECRET (see .env.example)',
    );
  });

  it('treats an empty variable as unset', () => {
    vi.stubEnv('TEST_EMPTY_SECRET', '');
    expect(thrown(() => resolveSecret('env:TEST_EMPTY_SECRET')).message).toBe(
      'secret env:TEST_EMPTY_SECRET is not set: export TEST_EMPTY_SECRET (see .env.example)',
    );
  });

  it('never puts a value into an error message', () => {
    // Another variable's value must not appear either (a message built from the environment would show it).
    vi.stubEnv('TEST_OTHER_SECRET', 'other-secret-value-9');
    vi.stubEnv('TEST_UNSET_SECRET', undefined);
    const error = thrown(() => resolveSecret('env:TEST_UNSET_SECRET'));
    expect(error.message).not.toContain('other-secret-value-9');
  });
});

describe('resolveSecret: file:', () => {
  const secretFile = join(dir, 'repl-password');

  it('reads the first line of an absolute path, trimmed', () => {
    writeFileSync(secretFile, '  file-secret-abs  \nsecond line is ignored\n');
    expect(resolveSecret(`file:${secretFile}`)).toBe('file-secret-abs');
    expect(redact('x file-secret-abs x')).toBe('x *** x');
  });

  it('reads a relative path from the repository root, not the working directory', () => {
    writeFileSync(secretFile, 'file-secret-rel\n');
    const fromRoot = relative(repoRoot, secretFile);
    expect(fromRoot.startsWith('/')).toBe(false);
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      expect(resolveSecret(`file:${fromRoot}`)).toBe('file-secret-rel');
    } finally {
      process.chdir(cwd);
    }
  });

  it('reads a file without a trailing newline', () => {
    writeFileSync(secretFile, 'no-newline-secret');
    expect(resolveSecret(`file:${secretFile}`)).toBe('no-newline-secret');
  });

  it('names a missing file', () => {
    const missing = join(dir, 'missing');
    expect(thrown(() => resolveSecret(`file:${missing}`)).message).toBe(
      `secret file:${missing}: cannot read ${missing}`,
    );
  });

  it('names an empty file, or one whose first line is blank', () => {
    writeFileSync(secretFile, '');
    expect(thrown(() => resolveSecret(`file:${secretFile}`)).message).toBe(
      `secret file:${secretFile}: ${secretFile} is empty`,
    );
    writeFileSync(secretFile, '   \nsecret-on-line-two\n');
    const error = thrown(() => resolveSecret(`file:${secretFile}`));
    expect(error.message).toBe(`secret file:${secretFile}: ${secretFile} is empty`);
    expect(error.message).not.toContain('secret-on-line-two');
  });
});

describe('resolveSecret: local:', () => {
  it('reads a key of TOOLKIT_STATE_DIR/secrets.json and registers it', () => {
    expect(localSecretsFile()).toBe(join(dir, 'secrets.json'));
    writeFileSync(join(dir, 'secrets.json'), JSON.stringify({ 'mysql-admin': 'local-secret-admin' }));
    expect(resolveSecret('local:mysql-admin')).toBe('local-secret-admin');
    expect(redact('local-secret-admin')).toBe('***');
  });

  it('says to run npm run up when the key or the file is missing', () => {
    const expected = `secret local:mysql-repl is not in ${join(dir, 'secrets.json')}: run npm run up first`;
    expect(thrown(() => resolveSecret('local:mysql-repl')).message).toBe(expected);
    writeFileSync(join(dir, 'secrets.json'), JSON.stringify({ 'mysql-admin': 'local-secret-admin' }));
    expect(thrown(() => resolveSecret('local:mysql-repl')).message).toBe(expected);
  });

  it('reads a broken secrets file as empty', () => {
    writeFileSync(join(dir, 'secrets.json'), '{ not json');
    expect(readLocalSecrets()).toEqual({});
    expect(thrown(() => resolveSecret('local:mysql-admin')).message).toMatch(/run npm run up first$/);
  });

  it('stops a writer on a broken secrets file, naming the file only, and gives it {} before the first up', () => {
    rmSync(join(dir, 'secrets.json'), { force: true });
    expect(readLocalSecretsForUpdate()).toEqual({});
    writeFileSync(join(dir, 'secrets.json'), '{ "mysql-admin": "half-written-secret');
    const error = thrown(() => readLocalSecretsForUpdate());
    expect(error.message).toBe(
      `${join(dir, 'secrets.json')} is not JSON: fix it or move it aside (it holds the passwords in use)`,
    );
    expect(error.message).not.toContain('half-written-secret');
  });
});

describe('resolveSecret: other kinds', () => {
  it('rejects a reference of unknown kind without showing more than the reference', () => {
    expect(thrown(() => resolveSecret('vault:secret/mysql')).message).toBe(
      'secret reference vault:secret/mysql has an unknown kind (env:, file: or local:)',
    );
  });
});
