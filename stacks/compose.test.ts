import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { composeDir, sharedFiles } from './shared-files.ts';

/** Every password the compose files demand; the values only need to be present for validation. */
const passwords = {
  MYSQL_ROOT_PASSWORD: 'x',
  MYSQL_APP_PASSWORD: 'x',
  MYSQL_REPLICATOR_PASSWORD: 'x',
  RABBITMQ_PASSWORD: 'x',
  TARANTOOL_PASSWORD: 'x',
  CLICKHOUSE_PASSWORD: 'x',
};

const composeFiles = readdirSync(composeDir).filter((f) => /^docker-compose.*\.ya?ml$/.test(f));
let envFile: string;
let scratch: string;

beforeAll(() => {
  const found = spawnSync('docker-compose', ['version', '--short'], { encoding: 'utf8' });
  if (found.error || found.status !== 0) {
    throw new Error(
      'docker-compose is not installed, so the compose files cannot be validated: apt-get install -y --no-install-recommends docker-compose',
    );
  }
  // An empty env file, so a developer's compose/.env cannot make the result depend on the machine.
  scratch = mkdtempSync(join(tmpdir(), 'compose-test-'));
  envFile = join(scratch, 'empty.env');
  writeFileSync(envFile, '');
});

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

function compose(files: string[], args: string[], env: Record<string, string> = passwords) {
  const fileArgs = files.flatMap((f) => ['-f', join(composeDir, f)]);
  const childEnv: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env };
  return spawnSync('docker-compose', ['--env-file', envFile, ...fileArgs, ...args], {
    cwd: composeDir,
    env: childEnv,
    encoding: 'utf8',
  });
}

interface Service {
  command?: string[];
  /** docker-compose 1.29 renders the short forms: "ip:published:target/proto", "source:target:mode". */
  ports?: string[];
  volumes?: string[];
}

function rendered(files: string[]): Record<string, Service> {
  const result = compose(files, ['config']);
  expect(result.stderr).toBe('');
  return (parse(result.stdout) as { services: Record<string, Service> }).services;
}

describe('compose files', () => {
  it('are the two files of the seed', () => {
    expect(composeFiles.sort()).toEqual(['docker-compose-replication.yml', 'docker-compose.yml']);
  });

  it.each([...composeFiles.map((f) => [f]), composeFiles])(
    'validate with docker-compose config -q: %s',
    (...files) => {
      const result = compose(files.flat(), ['config', '-q']);
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
    },
  );

  it('refuse to run without the passwords, naming the missing one', () => {
    const { MYSQL_ROOT_PASSWORD: _, ...withoutRoot } = passwords;
    const result = compose(['docker-compose-replication.yml'], ['config', '-q'], withoutRoot);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('set MYSQL_ROOT_PASSWORD');
  });

  it('run the seed topology, with unique server ids on master and slaves', () => {
    const services = rendered(composeFiles);
    expect(Object.keys(services).sort()).toEqual([
      'app',
      'clickhouse',
      'db',
      'db_slave_1',
      'db_slave_2',
      'rabbitmq',
      'redis',
      'tarantool',
      'tarantool-replicator',
    ]);
    const ids = ['db', 'db_slave_1', 'db_slave_2'].map((name) => services[name]?.command?.join(' '));
    expect(ids).toEqual(['--server-id=1', '--server-id=2', '--server-id=3']);
    expect(services['tarantool-replicator']?.command).toEqual([
      'node',
      '--import',
      'tsx',
      'toolkit/tarantool/replicator.ts',
      '--config',
      '/etc/replicator.yml',
    ]);
  });

  it('publish ports on 127.0.0.1 unless BIND_ADDRESS says otherwise', () => {
    const services = rendered(composeFiles);
    const published = Object.values(services).flatMap((s) => s.ports ?? []);
    expect(published.length).toBeGreaterThan(8);
    expect(published.filter((p) => !p.startsWith('127.0.0.1:'))).toEqual([]);
  });

  it('mount the one copy of each shared config: the files the stacks upload too', () => {
    const services = rendered(composeFiles);
    const mounts = Object.values(services)
      .flatMap((s) => s.volumes ?? [])
      .map((v) => v.split(':'))
      .filter(([source]) => source?.startsWith('/'))
      .map(([source, target, mode]) => [relative(composeDir, source ?? ''), target, mode]);
    const expected = Object.values(sharedFiles).map((f) => [f.source, f.target, 'ro']);
    for (const mount of expected) expect(mounts).toContainEqual(mount);
    for (const [source] of mounts) expect(existsSync(join(composeDir, String(source)))).toBe(true);
    // Master and both slaves read the replication settings the local environment includes as well.
    expect(mounts.filter(([source]) => source === 'mysql/replication.cnf')).toHaveLength(3);
  });

  it('build the app image from app/Dockerfile at the repository root', () => {
    const result = compose(['docker-compose.yml'], ['config']);
    const app = (
      parse(result.stdout) as {
        services: Record<string, { build?: { context: string; dockerfile: string } }>;
      }
    ).services.app;
    expect(relative(composeDir, app?.build?.context ?? '')).toBe('..');
    expect(app?.build?.dockerfile).toBe('app/Dockerfile');
    expect(
      execFileSync('git', ['ls-files', '--error-unmatch', 'compose/mysql/replication.cnf'], {
        cwd: join(composeDir, '..'),
        encoding: 'utf8',
      }).trim(),
    ).toBe('compose/mysql/replication.cnf');
  });
});
