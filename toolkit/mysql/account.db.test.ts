import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quietRun, startTestCluster, type TestCluster } from '../local/testing.ts';
import type { StepRecord } from '../procedure/types.ts';
import { type Account, ensureAccount, normalizeGrant } from './account.ts';
import { MysqlSession } from './session.ts';

const password = 'acct-secret-4f9c2e';
process.env.TEST_ACCOUNT_PASSWORD = password;

const account: Account = {
  user: 'reader',
  host: '%',
  password: 'env:TEST_ACCOUNT_PASSWORD',
  grants: [
    { privileges: ['REPLICATION SLAVE', 'REPLICATION CLIENT'] },
    { privileges: ['SELECT'], database: 'app', table: 'item' },
  ],
  purpose: 'binlog and SELECT on item',
};

let cluster: TestCluster;
let admin: MysqlSession;

beforeAll(async () => {
  cluster = await startTestCluster({ slaves: 1, mode: 'bare' });
  admin = await cluster.session('db1');
  await admin.exec('CREATE DATABASE IF NOT EXISTS app');
  await admin.exec('CREATE TABLE IF NOT EXISTS app.item (id INT PRIMARY KEY) ENGINE=InnoDB');
});

afterAll(async () => {
  await cluster?.stop();
});

/** Runs the writer as a runbook would and returns its one step record. */
async function converge(): Promise<StepRecord> {
  const run = quietRun('account');
  await ensureAccount(run, admin, 'reader user', account);
  await run.close();
  const [step] = run.report().steps;
  return step!;
}

async function grants(): Promise<string[]> {
  const rows = await admin.query("SHOW GRANTS FOR 'reader'@'%'");
  return rows.map((r) => normalizeGrant(String(Object.values(r)[0])));
}

async function logsIn(): Promise<boolean> {
  const node = cluster.inventory().mysql.master;
  return MysqlSession.login(node, 'reader', password, { timeoutMs: 3000 }).then(
    async (s) => {
      await s.close();
      return true;
    },
    () => false,
  );
}

describe('ensureAccount against a real server', () => {
  it('creates the account with exactly its grants, binlog off, and reports its statements masked', async () => {
    const gtidBefore = await admin.value('SELECT @@GLOBAL.gtid_binlog_pos');
    const step = await converge();
    expect(step).toMatchObject({ status: 'changed', detail: expect.stringMatching(/^create 'reader'@'%'/) });
    expect(await grants()).toEqual([
      'REPLICATION SLAVE, REPLICATION CLIENT ON *.*',
      'SELECT ON `app`.`item`',
    ]);
    expect(await logsIn()).toBe(true);
    // Accounts are made on every node: none of this may reach the binlog.
    expect(await admin.value('SELECT @@GLOBAL.gtid_binlog_pos')).toBe(gtidBefore);
    const texts = step.statements?.map((s) => s.text) ?? [];
    expect(texts).toEqual([
      'SET SESSION sql_log_bin = 0',
      "CREATE USER IF NOT EXISTS 'reader'@'%' IDENTIFIED BY '***'",
      "GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO 'reader'@'%'",
      "GRANT SELECT ON `app`.`item` TO 'reader'@'%'",
      'SET SESSION sql_log_bin = 1',
    ]);
    expect(step.statements?.every((s) => s.host === 'db1')).toBe(true);
    expect(JSON.stringify(step)).not.toContain(password);
  });

  it('changes nothing and runs nothing when the account is right', async () => {
    const step = await converge();
    expect(step.status).toBe('ok');
    expect(step.statements).toBeUndefined();
  });

  it('resets a password that differs from its secret', async () => {
    await admin.exec("ALTER USER 'reader'@'%' IDENTIFIED BY 'something-else'");
    expect(await logsIn()).toBe(false);
    const step = await converge();
    expect(step.detail).toMatch(/^reset the password of 'reader' from env:TEST_ACCOUNT_PASSWORD/);
    expect(step.statements?.map((s) => s.text)).toContain("ALTER USER 'reader'@'%' IDENTIFIED BY '***'");
    expect(await logsIn()).toBe(true);
  });

  it('extends a grant that is missing without revoking anything', async () => {
    await admin.exec("REVOKE SELECT ON app.item FROM 'reader'@'%'");
    const step = await converge();
    expect(step.detail).toMatch(/^grant 'reader' SELECT ON `app`\.`item`;/);
    const texts = step.statements?.map((s) => s.text) ?? [];
    expect(texts.some((t) => t.startsWith('REVOKE'))).toBe(false);
    expect(texts).toContain("GRANT SELECT ON `app`.`item` TO 'reader'@'%'");
    expect(await grants()).toHaveLength(2);
  });

  it('reduces an account that holds more than its set', async () => {
    await admin.exec("GRANT INSERT ON app.item TO 'reader'@'%'");
    await admin.exec("GRANT PROCESS ON *.* TO 'reader'@'%'");
    const step = await converge();
    expect(step.detail).toMatch(/^reduce 'reader' to binlog and SELECT on item \(drop .*PROCESS ON \*\.\*/);
    expect(step.statements?.map((s) => s.text)).toContain(
      "REVOKE ALL PRIVILEGES, GRANT OPTION FROM 'reader'@'%'",
    );
    expect(await grants()).toEqual([
      'REPLICATION SLAVE, REPLICATION CLIENT ON *.*',
      'SELECT ON `app`.`item`',
    ]);
    expect((await converge()).status).toBe('ok');
  });
});
