import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { composeDir, sharedFiles } from './shared-files.ts';
import { composeRun, composeSecrets, composeServices } from './testing/compose.ts';

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

  it('refuse to run without the passwords, naming the missing one', () => {
    const { MYSQL_ROOT_PASSWORD: _, ...withoutRoot } = composeSecrets;
    const result = composeRun(['docker-compose-replication.yml'], ['config', '-q'], withoutRoot);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('set MYSQL_ROOT_PASSWORD');
    const { AUTH_TOKEN_SECRET: __, ...withoutTokenSecret } = composeSecrets;
    const app = composeRun(['docker-compose.yml'], ['config', '-q'], withoutTokenSecret);
    expect(app.status).not.toBe(0);
    expect(app.stderr).toContain('set AUTH_TOKEN_SECRET');
  });

  it('run the seed topology, with unique server ids on master and slaves', () => {
    const services = composeServices(composeFiles);
    expect(Object.keys(services).sort()).toEqual([
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
    expect(db.environment).toHaveProperty('MYSQL_MIGRATE_PASSWORD');
  });

  it('run the binlog archiver into the backups volume, with its password given to the master and to it only', () => {
    const services = composeServices(composeFiles);
    const archiver = services['binlog-archive'];
    expect(archiver?.volumes).toEqual(
      expect.arrayContaining([expect.stringMatching(/^backups:\/backups(:rw)?$/)]),
    );
    expect(archiver?.environment).toMatchObject({ ARCHIVE_HOST: 'db', ARCHIVE_USER: 'binlog_archive' });
    const holders = Object.entries(services)
      .filter(
        ([, s]) =>
          Object.values(s.environment ?? {}).includes('x') &&
          JSON.stringify(s.environment).match(/ARCHIVE_PASSWORD/),
      )
      .map(([name]) => name)
      .sort();
    expect(holders).toEqual(['binlog-archive', 'db']);
    expect(services.db?.volumes).toEqual(
      expect.arrayContaining([expect.stringContaining('/docker-entrypoint-initdb.d/archive-account.sh')]),
    );
  });

  it('hand the migrations password to the master and the migrate service only', () => {
    const services = composeServices(['docker-compose.yml', 'docker-compose-replication.yml'], {
      ...composeSecrets,
      MYSQL_MIGRATE_PASSWORD: 'migrate-secret',
    });
    const holders = Object.entries(services)
      .filter(([, s]) => Object.values(s.environment ?? {}).includes('migrate-secret'))
      .map(([name]) => name)
      .sort();
    expect(holders).toEqual(['db', 'migrate']);
  });
});
