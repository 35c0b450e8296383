import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Connection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateAll } from '../../app/src/ops.ts';
import { openConnection } from '../../lib/mysql.ts';
import { makeTempDir } from '../../lib/temp-dirs.ts';
import { generateTargets, migrateTargets } from '../app/generate-runbook.ts';
import { repoRoot } from '../inventory/paths.ts';
import type { MysqlNode } from '../inventory/schema.ts';
import { resolveSecret } from '../inventory/secrets.ts';
import { mysqlComponent } from '../local/mysql-component.ts';
import { quietRun, startTestCluster, type TestCluster } from '../local/testing.ts';
import type { StepRecord } from '../procedure/types.ts';
import { logsIn } from '../secrets/dual-password.ts';
import { normalizeGrant } from './account.ts';
import { ensureAppAccounts } from './app-accounts.ts';
import { clientOptionFile, clientTool } from './client-tools.ts';
import type { MysqlSession } from './session.ts';

const run = promisify(execFile);
let cluster: TestCluster;
const connections: Connection[] = [];

beforeAll(async () => {
  // The local environment's own path (`up`'s mysql component): database, accounts, replication.
  cluster = await startTestCluster({ slaves: 1, mode: 'replicating' });
}, 240_000);

afterAll(async () => {
  await Promise.all(connections.map((c) => c.end().catch(() => {})));
  await cluster?.stop();
});

/** A connection as the app's account (`app`) or the migrations' (`migrate`), to a node of the cluster. */
async function connectAs(who: 'app' | 'migrate', node?: MysqlNode): Promise<Connection> {
  const inventory = cluster.inventory();
  const target = (who === 'app' ? generateTargets(inventory) : migrateTargets(inventory)).master;
  const conn = await openConnection({ ...target, ...(node ? { host: node.host, port: node.port } : {}) });
  connections.push(conn);
  return conn;
}

/** The server's error code for a statement that must be refused (a statement that succeeds fails the test). */
async function refusal(conn: Connection, sql: string): Promise<string> {
  try {
    await conn.query(sql);
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
  throw new Error(`"${sql}" succeeded; it must be refused`);
}

async function grantsOf(session: MysqlSession, user: string): Promise<string[]> {
  const rows = await session.query("SHOW GRANTS FOR ?@'%'", [user]);
  return rows
    .map((r) => normalizeGrant(String(Object.values(r)[0])))
    .filter((g) => !/^(GRANT )?USAGE /.test(g));
}

async function upSteps(): Promise<StepRecord[]> {
  const run = quietRun('up');
  try {
    await mysqlComponent.up(run);
  } finally {
    await run.close();
  }
  return run.report().steps.filter((s) => s.name === 'app user' || s.name === 'migrate user');
}

describe("the app's MySQL accounts on real servers", () => {
  it('migrations run as app_migrate, which has DDL on the schema and nothing beyond it', async () => {
    const inventory = cluster.inventory();
    expect(migrateTargets(inventory).master.user).toBe('app_migrate');
    const reports = await migrateAll(migrateTargets(inventory));
    expect(reports.map((r) => r.set)).toEqual(['main', 'chat']);
    expect(reports[0]!.applied.length).toBeGreaterThan(0);
    const migrate = await connectAs('migrate');
    await migrate.query('CREATE TABLE scratch (id INT PRIMARY KEY) ENGINE=InnoDB');
    await migrate.query('ALTER TABLE scratch ADD COLUMN note VARCHAR(10)');
    await migrate.query('DROP TABLE scratch');
    expect(await refusal(migrate, "GRANT SELECT ON app.* TO 'app'@'%'")).toMatch(/ACCESS_DENIED/);
    expect(await refusal(migrate, 'CREATE DATABASE elsewhere')).toMatch(/ACCESS_DENIED/);
    expect(await refusal(migrate, 'SELECT COUNT(*) FROM mysql.user')).toMatch(/ACCESS_DENIED/);
  });

  it('the app account reads and writes rows, and cannot DROP, CREATE, ALTER, TRUNCATE or GRANT', async () => {
    const app = await connectAs('app');
    await app.query('INSERT INTO post (author_id, text) VALUES (1, ?)', ['hello']);
    await app.query("UPDATE post SET text = 'edited' WHERE author_id = 1");
    await app.query('SELECT id FROM post WHERE author_id = 1 FOR UPDATE');
    await app.query('DELETE FROM post WHERE author_id = 1');
    expect(await refusal(app, 'DROP TABLE post')).toBe('ER_TABLEACCESS_DENIED_ERROR');
    expect(await refusal(app, 'CREATE TABLE scratch (id INT PRIMARY KEY)')).toBe(
      'ER_TABLEACCESS_DENIED_ERROR',
    );
    expect(await refusal(app, 'ALTER TABLE post ADD COLUMN x INT')).toBe('ER_TABLEACCESS_DENIED_ERROR');
    expect(await refusal(app, 'TRUNCATE TABLE post')).toBe('ER_TABLEACCESS_DENIED_ERROR');
    expect(await refusal(app, "GRANT SELECT ON app.post TO 'app'@'%'")).toMatch(/ACCESS_DENIED/);
    expect(await refusal(app, 'CREATE TEMPORARY TABLE t (id INT)')).toMatch(/ACCESS_DENIED/);
    expect(await refusal(app, 'SELECT COUNT(*) FROM mysql.user')).toMatch(/ACCESS_DENIED/);
  });

  it('both accounts are on every node with the same grants (a promoted slave serves the app)', async () => {
    const inventory = cluster.inventory();
    const expected = {
      app: ['SELECT, INSERT, UPDATE, DELETE ON `app`.*'],
      app_migrate: ['SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, REFERENCES, INDEX, ALTER ON `app`.*'],
    };
    for (const node of [inventory.mysql.master, ...inventory.mysql.slaves]) {
      const admin = await cluster.session(node.name);
      expect({
        app: await grantsOf(admin, 'app'),
        app_migrate: await grantsOf(admin, 'app_migrate'),
      }).toEqual(expected);
    }
    const slave = await connectAs('app', inventory.mysql.slaves[0]);
    // The app reads there (lag-tolerant reads); writes are refused by read_only before any privilege.
    await slave.query('SELECT COUNT(*) FROM post');
  });

  it('`up` on an environment made before the split reduces the app account and creates app_migrate', async () => {
    const inventory = cluster.inventory();
    const nodes = [inventory.mysql.master, ...inventory.mysql.slaves];
    // What `up` left before: ALL PRIVILEGES for the app, no migrations' account (on every node, binlog off).
    for (const node of nodes) {
      const admin = await cluster.session(node.name);
      await admin.exec('SET SESSION sql_log_bin = 0');
      await admin.exec("GRANT ALL PRIVILEGES ON app.* TO 'app'@'%'");
      await admin.exec("DROP USER 'app_migrate'@'%'");
      await admin.exec('SET SESSION sql_log_bin = 1');
    }
    const steps = await upSteps();
    expect(steps.map((s) => `${s.name}@${s.host} ${s.status}`)).toEqual(
      nodes.flatMap((n) => [`app user@${n.name} changed`, `migrate user@${n.name} changed`]),
    );
    const appStep = steps.find((s) => s.name === 'app user')!;
    expect(appStep.detail).toMatch(
      /^reduce 'app' to SELECT, INSERT, UPDATE, DELETE on app only \(drop ALL PRIVILEGES ON `app`\.\*\)/,
    );
    expect(appStep.statements?.map((s) => s.text)).toEqual([
      'SET SESSION sql_log_bin = 0',
      "REVOKE ALL PRIVILEGES, GRANT OPTION FROM 'app'@'%'",
      "GRANT SELECT, INSERT, UPDATE, DELETE ON `app`.* TO 'app'@'%'",
      'SET SESSION sql_log_bin = 1',
    ]);
    const migrateStep = steps.find((s) => s.name === 'migrate user')!;
    expect(migrateStep.detail).toMatch(/^create 'app_migrate'@'%' with /);
    expect(JSON.stringify(steps)).not.toMatch(/IDENTIFIED BY '(?!\*\*\*')/);
    const app = await connectAs('app');
    expect(await refusal(app, 'DROP TABLE post')).toBe('ER_TABLEACCESS_DENIED_ERROR');
    // Converged: the next `up` changes nothing.
    expect((await upSteps()).map((s) => s.status)).toEqual(nodes.flatMap(() => ['ok', 'ok']));
  });

  it("compose's init scripts (compose/mysql/app-accounts.sh, then backup/archive-account.sh) make exactly the accounts the toolkit keeps", async () => {
    const inventory = cluster.inventory();
    const { master } = inventory.mysql;
    const admin = await cluster.session(master.name);
    await admin.exec('SET SESSION sql_log_bin = 0');
    await admin.exec("DROP USER 'app'@'%', 'app_migrate'@'%'");
    await admin.exec("DROP USER IF EXISTS 'binlog_archive'@'%'");
    await admin.exec('SET SESSION sql_log_bin = 1');
    // As the MySQL image's entrypoint does: source the file with docker_process_sql and file_env defined
    // (here: the client against the test master, as its admin, from a private option file; file_env as the
    // image's: NAME, or the content of the file NAME_FILE names). The app's password comes as a file.
    const appPasswordFile = join(makeTempDir('app-password-'), 'mysql-app-password');
    writeFileSync(appPasswordFile, `${resolveSecret(inventory.mysql.app.password)}\n`, { mode: 0o600 });
    // The archiver's too, as compose mounts it (its secret), sourced after app-accounts.sh as the entrypoint does.
    const archivePassword = `archive-${Date.now()}`;
    const archivePasswordFile = join(makeTempDir('archive-password-'), 'mysql-binlog-archive-password');
    writeFileSync(archivePasswordFile, archivePassword, { mode: 0o600 });
    const options = clientOptionFile(
      master,
      inventory.mysql.admin.user,
      resolveSecret(inventory.mysql.admin.password),
    );
    try {
      await run(
        'bash',
        [
          '-euc',
          [
            'docker_process_sql() { "$CLIENT" --defaults-extra-file="$CLIENT_OPTIONS" "$@"; }',
            // biome-ignore lint/suspicious/noTemplateCurlyInString: bash's indirect expansion, not a template
            'file_env() { local var="$1" file="$1_FILE"; if [ "${!file:-}" ]; then export "$var"="$(< "${!file}")"; fi; unset "$file"; }',
            '. "$1"',
            '. "$2"',
          ].join('; '),
          'init',
          join(repoRoot, 'compose/mysql/app-accounts.sh'),
          join(repoRoot, 'compose/backup/archive-account.sh'),
        ],
        {
          env: {
            PATH: process.env.PATH,
            CLIENT: clientTool(),
            CLIENT_OPTIONS: options.path,
            MYSQL_DATABASE: inventory.mysql.database,
            MYSQL_APP_PASSWORD_FILE: appPasswordFile,
            MYSQL_MIGRATE_PASSWORD: resolveSecret(inventory.mysql.migrate!.password),
            MYSQL_BINLOG_ARCHIVE_PASSWORD_FILE: archivePasswordFile,
          },
        },
      );
    } finally {
      options.remove();
    }
    // The account writer finds nothing to change: same privileges, same passwords.
    const check = quietRun('accounts');
    await ensureAppAccounts(check, inventory, admin);
    await check.close();
    expect(check.report().steps.map((s) => `${s.name} ${s.status}`)).toEqual([
      'app user ok',
      'migrate user ok',
    ]);
    expect(await logsIn(master, 'binlog_archive', archivePassword)).toBe(true);
  });
});
