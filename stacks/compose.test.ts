import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { composeSecretFileNames } from '../toolkit/secrets/compose-secrets.ts';
import { composeDir, sharedFiles } from './shared-files.ts';
import { type ComposeService, composeRun, composeServices } from './testing/compose.ts';

const composeFiles = readdirSync(composeDir).filter((f) => /^docker-compose.*\.ya?ml$/.test(f));

describe('compose files', () => {
  it('are the two files of the seed', () => {
    expect(composeFiles.sort()).toEqual(['docker-compose-replication.yml', 'docker-compose.yml']);
  });

  it.each([...composeFiles.map((f) => [f]), composeFiles])(
    'validate with docker-compose config -q: %s',
    (...files) => {
      const result = composeRun(files.flat(), ['config', '-q']);
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
    },
  );

  it.each(composeFiles)('%s: no service takes a password or secret from an environment variable', (file) => {
    // The file as written, before interpolation: a `${MYSQL_APP_PASSWORD}` counts as much as a literal.
    const { services } = rawCompose(file);
    const offending: string[] = [];
    for (const [name, service] of Object.entries(services)) {
      for (const [key, value] of Object.entries(service.environment ?? {})) {
        const text = String(value ?? '');
        if (secretLike(key) && !/_?_FILE$/.test(key)) offending.push(`${name}: ${key}`);
        for (const m of text.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g))
          if (secretLike(m[1]!)) offending.push(`${name}: ${key} interpolates ${m[1]}`);
      }
      for (const word of service.command ?? [])
        for (const m of String(word).matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g))
          if (secretLike(m[1]!)) offending.push(`${name}: its command interpolates ${m[1]}`);
    }
    expect(offending).toEqual([]);
    // It would be found: the rule is not vacuous.
    expect(secretLike('MYSQL_ROOT_PASSWORD') && secretLike('AUTH_TOKEN_SECRET')).toBe(true);
    expect(secretLike('RABBITMQ_DEFAULT_PASS')).toBe(true);
  });

  it.each(composeFiles)(
    '%s: every secret a service names is a top-level secret of the generated files',
    (file) => {
      const { services, secrets = {} } = rawCompose(file);
      const named = Object.entries(services).flatMap(([name, service]) =>
        (service.secrets ?? []).map((s) => [name, typeof s === 'string' ? s : s.source] as const),
      );
      expect(named.length).toBeGreaterThan(0);
      expect(named.filter(([, secret]) => !(secret in secrets))).toEqual([]);
      // Each one a file under compose/secrets/ that scripts/compose-secrets.mjs writes.
      const generated = composeSecretFileNames();
      for (const [name, secret] of Object.entries(secrets)) {
        expect(secret.file, name).toBe(`./secrets/${name}`);
        expect(generated, name).toContain(name);
      }
      // And no top-level secret goes unused.
      expect(Object.keys(secrets).filter((s) => !named.some(([, n]) => n === s))).toEqual([]);
    },
  );

  it('point every *_FILE variable at a secret the same service mounts there', () => {
    const services = composeServices(composeFiles);
    const unmounted: string[] = [];
    let files = 0;
    for (const [name, service] of Object.entries(services)) {
      const mounted = (service.secrets ?? []).map((s) =>
        s.target?.startsWith('/') ? s.target : `/run/secrets/${s.target ?? s.source}`,
      );
      for (const [key, value] of Object.entries(service.environment ?? {})) {
        if (!/_FILE$/.test(key)) continue;
        files++;
        if (!mounted.includes(String(value))) unmounted.push(`${name}: ${key}=${value}`);
      }
    }
    expect(files).toBeGreaterThan(15);
    expect(unmounted).toEqual([]);
  });

  it('run the seed topology, with unique server ids on master and slaves', () => {
    const services = composeServices(composeFiles);
    expect(Object.keys(services).sort()).toEqual([
      'alert-sink',
      'alertmanager',
      'app',
      'app-2',
      'binlog-archive',
      'clickhouse',
      'db',
      'db_slave_1',
      'db_slave_2',
      'grafana',
      'haproxy',
      'haproxy-agent',
      'migrate',
      'mysqld-exporter-db',
      'mysqld-exporter-db-slave-1',
      'mysqld-exporter-db-slave-2',
      'nginx',
      'prometheus',
      'rabbitmq',
      'redis',
      'redis-exporter',
      'tarantool',
      'tarantool-replicator',
    ]);
    const ids = ['db', 'db_slave_1', 'db_slave_2'].map((name) => services[name]?.command?.join(' '));
    expect(ids).toEqual(['--server-id=1', '--server-id=2', '--server-id=3']);
    expect(services['tarantool-replicator']?.command).toEqual([
      'node',
      'toolkit/tarantool/replicator/main.js',
      '--config',
      '/etc/replicator.yml',
    ]);
    // Compiled, from the app image like the replicator: the image has no tsx and no TypeScript.
    expect(services['haproxy-agent']?.command).toEqual([
      'node',
      'toolkit/haproxy/agent/main.js',
      '--config',
      '/etc/haproxy-agent.yml',
    ]);
  });

  it('publish ports on 127.0.0.1 unless BIND_ADDRESS says otherwise', () => {
    const services = composeServices(composeFiles);
    const published = Object.values(services).flatMap((s) => s.ports ?? []);
    expect(published.length).toBeGreaterThan(8);
    expect(published.filter((p) => !p.startsWith('127.0.0.1:'))).toEqual([]);
  });

  it('mount the one copy of each shared config: the files the stacks upload too', () => {
    const services = composeServices(composeFiles);
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
    const app = composeServices(['docker-compose.yml']).app;
    expect(relative(composeDir, app?.build?.context ?? '')).toBe('..');
    expect(app?.build?.dockerfile).toBe('app/Dockerfile');
    expect(
      execFileSync('git', ['ls-files', '--error-unmatch', 'compose/mysql/replication.cnf'], {
        cwd: join(composeDir, '..'),
        encoding: 'utf8',
      }).trim(),
    ).toBe('compose/mysql/replication.cnf');
  });

  it('give the app instances the rows-only account; the migrate service alone has app_migrate, and runs first', () => {
    const services = composeServices(['docker-compose.yml']);
    for (const name of ['app', 'app-2']) {
      const app = services[name]!;
      expect(app.environment, name).toMatchObject({ MYSQL_USER: 'app', MIGRATE_ON_START: 'false' });
      expect(app.depends_on?.migrate, name).toEqual({ condition: 'service_completed_successfully' });
    }
    const migrate = services.migrate!;
    expect(migrate.command).toEqual(['node', 'app/src/cli.js', 'migrate']);
    expect(migrate.environment).toMatchObject({ MYSQL_USER: 'app_migrate', MYSQL_HOST: 'haproxy' });
    expect(migrate.restart).toBe('on-failure');
    // The master makes both accounts itself (app-accounts.sh), never the image's MYSQL_USER with ALL.
    const db = services.db!;
    expect(db.environment).not.toHaveProperty('MYSQL_USER');
    expect(db.environment).toHaveProperty('MYSQL_MIGRATE_PASSWORD_FILE');
  });

  it('run the binlog archiver into the backups volume, with its password given to the master and to it only', () => {
    const services = composeServices(composeFiles);
    const archiver = services['binlog-archive'];
    expect(archiver?.volumes).toEqual(
      expect.arrayContaining([expect.stringMatching(/^backups:\/backups(:rw)?$/)]),
    );
    expect(archiver?.environment).toMatchObject({ ARCHIVE_HOST: 'db', ARCHIVE_USER: 'binlog_archive' });
    expect(holders(services, 'mysql-binlog-archive-password')).toEqual(['binlog-archive', 'db']);
    expect(services.db?.volumes).toEqual(
      expect.arrayContaining([expect.stringContaining('/docker-entrypoint-initdb.d/archive-account.sh')]),
    );
  });

  it('hand the migrations password to the master and the migrate service only', () => {
    const services = composeServices(['docker-compose.yml', 'docker-compose-replication.yml']);
    expect(holders(services, 'mysql-migrate-password')).toEqual(['db', 'migrate']);
    expect(holders(services, 'mysql-root-password')).toEqual(['db', 'db_slave_1', 'db_slave_2']);
  });
});

interface RawService {
  environment?: Record<string, unknown>;
  command?: unknown[];
  secrets?: Array<string | { source: string; target?: string }>;
}

/** A compose file as written (no interpolation, no extends): what a reviewer reads. */
function rawCompose(file: string): {
  services: Record<string, RawService>;
  secrets?: Record<string, { file?: string }>;
} {
  return parse(readFileSync(join(composeDir, file), 'utf8'), { merge: true });
}

/** A name that holds a password, a secret or a key by its wording. */
function secretLike(name: string): boolean {
  return /PASSWORD|SECRET|_PASS$|_TOKEN$|_KEY$/i.test(name);
}

/** The services that mount the secret, by name. */
function holders(services: Record<string, ComposeService>, secret: string): string[] {
  return Object.entries(services)
    .filter(([, s]) => (s.secrets ?? []).some((m) => m.source === secret))
    .map(([name]) => name)
    .sort();
}
