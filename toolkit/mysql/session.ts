import type { Connection, RowDataPacket } from 'mysql2/promise';
import { openConnection, type Row, type SqlValue } from '../../lib/mysql.ts';
import type { Credential, MysqlNode } from '../inventory/schema.ts';
import { resolveSecret } from '../inventory/secrets.ts';
import { ToolkitError } from '../procedure/errors.ts';
import { recordStatement } from '../procedure/statements.ts';
import { type Flavor, flavorFor } from './flavor.ts';

export type { Row, SqlValue };

/** One connection to one server, with the server's flavor and errors that name the node. */
export class MysqlSession {
  private constructor(
    readonly node: MysqlNode,
    private readonly conn: Connection,
    readonly flavor: Flavor,
  ) {}

  static async open(
    node: MysqlNode,
    credential: Credential,
    options: { timeoutMs?: number } = {},
  ): Promise<MysqlSession> {
    return MysqlSession.login(
      node,
      credential.user,
      resolveSecret(credential.password),
      options,
      credential.password,
    );
  }

  static async login(
    node: MysqlNode,
    user: string,
    password: string,
    options: { timeoutMs?: number } = {},
    passwordRef = 'given',
  ): Promise<MysqlSession> {
    let conn: Connection;
    try {
      conn = await openConnection(
        { host: node.host, port: node.port, user, password },
        options.timeoutMs ?? 5000,
      );
    } catch (error) {
      throw connectError(node, user, passwordRef, error);
    }
    try {
      const [rows] = await conn.query<RowDataPacket[]>('SELECT VERSION() AS v');
      return new MysqlSession(node, conn, flavorFor(String(rows[0]?.v)));
    } catch (error) {
      // The connection is ours until a session holds it: a failure here must not leave it open.
      conn.destroy();
      throw queryError(node, error);
    }
  }

  async query(sql: string, values: SqlValue[] = []): Promise<Row[]> {
    try {
      const [rows] = await this.conn.query<RowDataPacket[]>(sql, values);
      return Array.isArray(rows) ? (rows as Row[]) : [];
    } catch (error) {
      throw queryError(this.node, error);
    }
  }

  /** A statement that changes something; it is recorded (masked) into the step that runs it. */
  async exec(sql: string, values: SqlValue[] = []): Promise<void> {
    const recorded = recordStatement(this.node.name, this.conn.format(sql, values));
    try {
      await this.conn.query(sql, values);
    } catch (error) {
      const failure = queryError(this.node, error);
      if (recorded) recorded.error = failure.code;
      throw failure;
    }
  }

  async one(sql: string, values: SqlValue[] = []): Promise<Row | undefined> {
    return (await this.query(sql, values))[0];
  }

  async value(sql: string, values: SqlValue[] = []): Promise<string | null> {
    const row = await this.one(sql, values);
    if (!row) return null;
    const v = Object.values(row)[0];
    return v === null || v === undefined ? null : String(v);
  }

  async variables(names: string[]): Promise<Record<string, string>> {
    const rows = await this.query(
      'SELECT VARIABLE_NAME AS n, VARIABLE_VALUE AS v FROM information_schema.GLOBAL_VARIABLES WHERE VARIABLE_NAME IN (?)',
      [names.map((n) => n.toUpperCase())],
    );
    return Object.fromEntries(rows.map((r) => [String(r.n).toLowerCase(), String(r.v ?? '')]));
  }

  async status(names: string[]): Promise<Record<string, string>> {
    const rows = await this.query(`SHOW GLOBAL STATUS WHERE Variable_name IN (?)`, [names]);
    return Object.fromEntries(rows.map((r) => [String(r.Variable_name), String(r.Value ?? '')]));
  }

  async serverId(): Promise<number> {
    return Number(await this.value('SELECT @@GLOBAL.server_id'));
  }

  async executedGtid() {
    return this.flavor.parseGtid((await this.value(this.flavor.executedGtidSql)) ?? '');
  }

  async close(): Promise<void> {
    try {
      await this.conn.end();
    } catch {
      this.conn.destroy();
    }
  }

  destroy(): void {
    this.conn.destroy();
  }
}

interface DriverError {
  code?: string;
  errno?: number;
  sqlMessage?: string;
  message?: string;
}

function connectError(node: MysqlNode, user: string, passwordRef: string, error: unknown): ToolkitError {
  const e = error as DriverError;
  const where = `${node.name} at ${node.host}:${node.port}`;
  switch (e.code) {
    case 'ECONNREFUSED':
      return new ToolkitError(
        `cannot reach ${where}: connection refused (is the server running?)`,
        'UNREACHABLE',
      );
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new ToolkitError(`cannot reach ${where}: ${e.code}`, 'UNREACHABLE');
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new ToolkitError(`cannot resolve host of ${where}`, 'UNREACHABLE');
    case 'ER_ACCESS_DENIED_ERROR':
    case 'ER_DBACCESS_DENIED_ERROR':
      return new ToolkitError(
        `access denied for user '${user}' on ${where} (check the secret ${passwordRef})`,
        'ACCESS_DENIED',
      );
    default:
      return new ToolkitError(
        `cannot connect to ${where}: ${e.sqlMessage ?? e.message ?? String(error)}`,
        'UNREACHABLE',
      );
  }
}

// The driver's message only; mysql2 also keeps the statement (with any password in it) in error.sql, never shown.
function queryError(node: MysqlNode, error: unknown): ToolkitError {
  const e = error as DriverError;
  return new ToolkitError(
    `${node.name}: ${e.sqlMessage ?? e.message ?? String(error)}${e.code ? ` (${e.code})` : ''}`,
    e.code ?? 'SQL',
  );
}
