import mysql, { type Connection, type ConnectionOptions, type Pool } from 'mysql2/promise';

/** A value a placeholder may carry. */
export type SqlValue = string | number | bigint | boolean | null | Date | Buffer | SqlValue[];
/** A result row as mysql2 returns it with our options: column name to value, BIGINT and DATETIME as strings. */
export type Row = Record<string, unknown>;

/** Where to log in; `database` is the default schema, when there is one. */
export interface MysqlEndpoint {
  host: string;
  port: number;
  user: string;
  password?: string;
  database?: string;
}

/**
 * The one set of connection options every mysql2 connection of this repository uses: utf8mb4, exact
 * BIGINTs (as strings, ids go past 2^53), DATE/DATETIME as the server's strings (no time-zone shift)
 * and UTC for any Date sent as a placeholder. Callers add only what differs by purpose (a timeout,
 * a pool size), never these.
 */
export function mysqlOptions(endpoint: MysqlEndpoint, connectTimeoutMs = 5000): ConnectionOptions {
  return {
    host: endpoint.host,
    port: endpoint.port,
    user: endpoint.user,
    password: endpoint.password,
    database: endpoint.database,
    connectTimeout: connectTimeoutMs,
    charset: 'utf8mb4_unicode_ci',
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: true,
    timezone: 'Z',
  };
}

/** One connection; a broken one emits 'error', which would crash the process without a listener. */
export async function openConnection(
  endpoint: MysqlEndpoint,
  connectTimeoutMs?: number,
): Promise<Connection> {
  const conn = await mysql.createConnection(mysqlOptions(endpoint, connectTimeoutMs));
  conn.on('error', () => {});
  return conn;
}

/** A pool of `size` connections with the same options, kept alive between uses. */
export function openPool(
  endpoint: MysqlEndpoint,
  size: number,
  connectTimeoutMs?: number,
  extra: Pick<ConnectionOptions, 'trace'> = {},
): Pool {
  return mysql.createPool({
    ...mysqlOptions(endpoint, connectTimeoutMs),
    ...extra,
    connectionLimit: size,
    enableKeepAlive: true,
  });
}
