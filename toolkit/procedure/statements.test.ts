import { describe, expect, it } from 'vitest';
import { registerSecret } from './redact.ts';
import { collectStatements, maskStatement, recordStatement } from './statements.ts';

describe('maskStatement', () => {
  it('masks the literal after IDENTIFIED BY and any *PASSWORD option, even when never resolved', () => {
    expect(maskStatement("CREATE USER 'a'@'%' IDENTIFIED BY 'never-registered'")).toBe(
      "CREATE USER 'a'@'%' IDENTIFIED BY '***'",
    );
    expect(
      maskStatement("ALTER USER 'a'@'%' IDENTIFIED BY PASSWORD '*6BB4837EB74329105EE4568DDA7DC67ED2CA2AD9'"),
    ).toBe("ALTER USER 'a'@'%' IDENTIFIED BY PASSWORD '***'");
    expect(
      maskStatement("CHANGE MASTER TO MASTER_HOST='h', MASTER_PASSWORD='it\\'s', MASTER_USER='repl'"),
    ).toBe("CHANGE MASTER TO MASTER_HOST='h', MASTER_PASSWORD= '***', MASTER_USER='repl'");
    expect(maskStatement("SELECT PASSWORD('plain')")).toBe("SELECT PASSWORD( '***')");
  });

  it('masks registered secrets anywhere and keeps one line', () => {
    registerSecret('registered-secret-9');
    expect(maskStatement("INSERT INTO t VALUES\n  ('registered-secret-9')")).toBe(
      "INSERT INTO t VALUES ('***')",
    );
  });
});

describe('collectStatements', () => {
  it('collects what the body and its parallel calls record, and nothing outside it', async () => {
    expect(recordStatement('db1', 'SELECT 1')).toBeUndefined();
    const { statements, outcome } = await collectStatements(async () => {
      recordStatement('db1', 'STOP SLAVE');
      await Promise.all([
        (async () => recordStatement('db2', 'SET GLOBAL read_only = 1'))(),
        new Promise((resolve) => setImmediate(resolve)).then(() => recordStatement('db3', 'START SLAVE')),
      ]);
      return 'done';
    });
    expect(outcome).toEqual({ status: 'fulfilled', value: 'done' });
    expect(statements).toEqual([
      { host: 'db1', text: 'STOP SLAVE' },
      { host: 'db2', text: 'SET GLOBAL read_only = 1' },
      { host: 'db3', text: 'START SLAVE' },
    ]);
  });

  it('keeps what ran before a failure, with the failed statement marked', async () => {
    const { statements, outcome } = await collectStatements(async () => {
      recordStatement('db1', 'SET SESSION sql_log_bin = 0');
      const refused = recordStatement('db1', 'GRANT NOTHING ON *.* TO x');
      if (refused) refused.error = 'ER_PARSE_ERROR';
      throw new Error('refused');
    });
    expect(outcome.status).toBe('rejected');
    expect(statements).toEqual([
      { host: 'db1', text: 'SET SESSION sql_log_bin = 0' },
      { host: 'db1', text: 'GRANT NOTHING ON *.* TO x', error: 'ER_PARSE_ERROR' },
    ]);
  });
});
