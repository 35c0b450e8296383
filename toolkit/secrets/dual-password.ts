import type { MysqlNode } from '../inventory/schema.ts';
import { MysqlSession, type SqlValue } from '../mysql/session.ts';
import { ToolkitError } from '../procedure/errors.ts';

/** Whether user can log in to node with this password; any failure other than "access denied" is thrown. */
export async function logsIn(node: MysqlNode, user: string, password: string): Promise<boolean> {
  try {
    await (await MysqlSession.login(node, user, password, { timeoutMs: 5000 })).close();
    return true;
  } catch (error) {
    if (error instanceof ToolkitError && error.code === 'ACCESS_DENIED') return false;
    throw error;
  }
}

/** Every host part the account has on this node ('%', 'localhost', …). */
export async function hostParts(session: MysqlSession, user: string): Promise<string[]> {
  const rows = await session.query('SELECT Host FROM mysql.user WHERE User = ? ORDER BY Host', [user]);
  return rows.map((r) => String(r.Host));
}

/**
 * The statement that makes an account accept a new password beside its current one, so clients
 * still holding the current one keep logging in while they are moved over: MySQL 8's RETAIN CURRENT
 * PASSWORD; MariaDB (no dual passwords) two alternatives of the same plugin, the new one first.
 */
export function acceptBothStatement(
  session: MysqlSession,
  user: string,
  host: string,
  next: string,
  previous: string,
): { sql: string; values: SqlValue[] } {
  if (session.flavor.version.kind === 'mariadb')
    return {
      sql:
        'ALTER USER ?@? IDENTIFIED VIA mysql_native_password USING PASSWORD(?) ' +
        'OR mysql_native_password USING PASSWORD(?)',
      values: [user, host, next, previous],
    };
  return { sql: 'ALTER USER ?@? IDENTIFIED BY ? RETAIN CURRENT PASSWORD', values: [user, host, next] };
}

/** The statement that leaves the new password as the only one (the old one refused from then on). */
export function onlyNewStatement(
  session: MysqlSession,
  user: string,
  host: string,
  next: string,
): { sql: string; values: SqlValue[] } {
  if (session.flavor.version.kind === 'mariadb')
    return { sql: 'ALTER USER ?@? IDENTIFIED BY ?', values: [user, host, next] };
  return { sql: 'ALTER USER ?@? DISCARD OLD PASSWORD', values: [user, host] };
}

/**
 * Runs account statements the way the toolkit writes accounts (toolkit/mysql/account.ts): on each
 * node by itself with the binlog off, so they add no GTID of their own and a promoted slave has them too.
 */
export async function execUnlogged(
  session: MysqlSession,
  statements: Array<{ sql: string; values: SqlValue[] }>,
): Promise<void> {
  await session.exec('SET SESSION sql_log_bin = 0');
  try {
    for (const { sql, values } of statements) await session.exec(sql, values);
  } finally {
    await session.exec('SET SESSION sql_log_bin = 1');
  }
}
