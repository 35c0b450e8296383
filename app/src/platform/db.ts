import type { FastifyBaseLogger } from 'fastify';
import type { Pool, PoolConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { openPool, type Row, type SqlValue } from '../../../lib/mysql.ts';
import type { MysqlTarget } from './config.ts';
import { DependencyUnavailable } from './errors.ts';

export type { Row, SqlValue };

/** What repositories see: placeholders only, rows as plain objects, BIGINTs as strings. */
export interface Sql {
  rows<T extends Row = Row>(sql: string, values?: SqlValue[]): Promise<T[]>;
  execute(sql: string, values?: SqlValue[]): Promise<ResultSetHeader>;
}

export interface WriteSql extends Sql {
  transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T>;
}

const unavailableCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_LOCK_WAIT_TIMEOUT',
  // A master demoted to read_only by a failover: the write has to wait for the new one.
  'ER_OPTION_PREVENTS_STATEMENT',
]);

export function isUnavailable(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code !== undefined && unavailableCodes.has(code);
}

export function createPool(target: MysqlTarget, size: number): Pool {
  return openPool(target, size, 3000);
}

type Runner = Pick<Pool, 'query'> | Pick<PoolConnection, 'query'>;

function sqlOn(runner: Runner, name: string): Sql {
  return {
    async rows<T extends Row>(sql: string, values: SqlValue[] = []): Promise<T[]> {
      try {
        const [rows] = await runner.query<RowDataPacket[]>(sql, values);
        return rows as T[];
      } catch (error) {
        throw translate(name, error);
      }
    },
    async execute(sql: string, values: SqlValue[] = []): Promise<ResultSetHeader> {
      try {
        const [result] = await runner.query<ResultSetHeader>(sql, values);
        return result;
      } catch (error) {
        throw translate(name, error);
      }
    },
  };
}

function translate(name: string, error: unknown): unknown {
  return isUnavailable(error) ? new DependencyUnavailable(name, error) : error;
}

export function writeSql(pool: Pool, name: string): WriteSql {
  return {
    ...sqlOn(pool, name),
    async transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T> {
      let conn: PoolConnection;
      try {
        conn = await pool.getConnection();
      } catch (error) {
        throw translate(name, error);
      }
      try {
        await conn.beginTransaction();
        const result = await work(sqlOn(conn, name));
        await conn.commit();
        return result;
      } catch (error) {
        await conn.rollback().catch(() => {});
        throw translate(name, error);
      } finally {
        conn.release();
      }
    },
  };
}

interface Replica {
  name: string;
  pool: Pool;
  downUntil: number;
}

/**
 * Lag-tolerant reads over the slaves, round-robin. A slave that refuses connections is skipped for a
 * few seconds; with every slave down the master answers, so a read never fails for want of a replica.
 */
export class ReplicaSet implements Sql {
  private readonly replicas: Replica[];
  private cursor = 0;

  constructor(
    targets: MysqlTarget[],
    size: number,
    private readonly master: Sql,
    private readonly log?: FastifyBaseLogger,
    private readonly retryAfterMs = 5000,
  ) {
    this.replicas = targets.map((t) => ({
      name: `${t.host}:${t.port}`,
      pool: createPool(t, size),
      downUntil: 0,
    }));
  }

  rows<T extends Row = Row>(sql: string, values: SqlValue[] = []): Promise<T[]> {
    return this.attempt(
      (s) => s.rows<T>(sql, values),
      () => this.master.rows<T>(sql, values),
    );
  }

  execute(sql: string, values: SqlValue[] = []): Promise<ResultSetHeader> {
    return this.attempt(
      (s) => s.execute(sql, values),
      () => this.master.execute(sql, values),
    );
  }

  /** Which replicas are currently in rotation, for /ready and status. */
  healthy(): string[] {
    const now = Date.now();
    return this.replicas.filter((r) => r.downUntil <= now).map((r) => r.name);
  }

  async ping(): Promise<Record<string, boolean>> {
    const out: Record<string, boolean> = {};
    for (const replica of this.replicas) {
      try {
        await replica.pool.query('SELECT 1');
        replica.downUntil = 0;
        out[replica.name] = true;
      } catch {
        out[replica.name] = false;
      }
    }
    return out;
  }

  async close(): Promise<void> {
    await Promise.all(this.replicas.map((r) => r.pool.end().catch(() => {})));
  }

  private async attempt<T>(work: (sql: Sql) => Promise<T>, fallback: () => Promise<T>): Promise<T> {
    const count = this.replicas.length;
    for (let i = 0; i < count; i++) {
      const replica = this.replicas[this.cursor++ % count]!;
      if (replica.downUntil > Date.now()) continue;
      try {
        return await work(sqlOn(replica.pool, replica.name));
      } catch (error) {
        if (!(error instanceof DependencyUnavailable)) throw error;
        replica.downUntil = Date.now() + this.retryAfterMs;
        this.log?.warn(
          { replica: replica.name, err: (error.cause as Error)?.message },
          'replica unavailable, skipped',
        );
      }
    }
    return fallback();
  }
}

export interface Databases {
  /** The master: writes, and reads of one's own fresh writes. */
  write: WriteSql;
  /** The slaves (or the master when there are none): reads that tolerate lag. */
  read: ReplicaSet;
  /** chat_message's own connection (CHAT_MYSQL_*). */
  chat: WriteSql;
  close(): Promise<void>;
  pingMaster(): Promise<void>;
}

export function openDatabases(
  config: { master: MysqlTarget; slaves: MysqlTarget[]; chat: MysqlTarget; poolSize: number },
  log?: FastifyBaseLogger,
): Databases {
  const masterPool = createPool(config.master, config.poolSize);
  // Its own pool even on the same server: a send holds a master transaction while it writes the
  // message, and one shared pool would let busy senders starve each other of connections.
  const chatPool = createPool(config.chat, config.poolSize);
  const write = writeSql(masterPool, 'mysql master');
  const read = new ReplicaSet(config.slaves, config.poolSize, write, log);
  return {
    write,
    read,
    chat: writeSql(chatPool, 'chat mysql'),
    pingMaster: async () => {
      await write.rows('SELECT 1');
    },
    close: async () => {
      await read.close();
      await chatPool.end().catch(() => {});
      await masterPool.end().catch(() => {});
    },
  };
}
