import type { FastifyBaseLogger } from 'fastify';
import type { Pool, ResultSetHeader } from 'mysql2/promise';
import { openPool, type Row, type SqlValue } from '../../../lib/mysql.ts';
import type { MysqlTarget } from './config.ts';
import { DependencyUnavailable } from './errors.ts';
import { MasterSql, type Sql, type StatementOptions, statementsOn, type WriteSql } from './master-sql.ts';
import type { PoolUse } from './metrics.ts';
import { isNotSeededReplica, isUnavailable } from './mysql-failure.ts';

export type { Sql, StatementOptions, WriteSql } from './master-sql.ts';
export { isUnavailable } from './mysql-failure.ts';
export type { Row, SqlValue };

/**
 * The app's pools. `trace: false`: mysql2's promise API otherwise captures a stack trace for every
 * statement (Error.captureStackTrace, 3% of the app's CPU under wrk: reports/perf/); errors keep their
 * code, errno and message, which is all the app's handling reads.
 */
export function createPool(target: MysqlTarget, size: number): Pool {
  return openPool(target, size, 3000, { trace: false });
}

/** The callback pool under mysql2's promise pool; its queues are not public API, so read defensively. */
interface PoolInternals {
  pool?: {
    _allConnections?: { length: number };
    _freeConnections?: { length: number };
    _connectionQueue?: { length: number };
  };
}

/** A pool's connections in use and idle, and the requests waiting for one, for the metrics. */
export function poolUse(pool: Pool, name: string, target: { host: string; port: number }): PoolUse {
  const inner = (pool as unknown as PoolInternals).pool;
  const all = inner?._allConnections?.length ?? 0;
  const idle = inner?._freeConnections?.length ?? 0;
  return {
    pool: name,
    endpoint: `${target.host}:${target.port}`,
    inUse: all - idle,
    idle,
    waiting: inner?._connectionQueue?.length ?? 0,
  };
}

/**
 * A replica's statements, its outages as DependencyUnavailable (so the set can skip it); so is a slave
 * not seeded yet (no app account or database: right after a stack's first `up`).
 */
function replicaSql(pool: Pool, name: string): Sql {
  const statements = statementsOn(pool);
  const translate = (error: unknown) =>
    isUnavailable(error) || isNotSeededReplica(error) ? new DependencyUnavailable(name, error) : error;
  return {
    rows: <T extends Row>(sql: string, values?: SqlValue[]) =>
      statements.rows<T>(sql, values).catch((e: unknown) => Promise.reject(translate(e))),
    execute: (sql, values) =>
      statements.execute(sql, values).catch((e: unknown) => Promise.reject(translate(e))),
  };
}

interface Replica {
  name: string;
  target: MysqlTarget;
  pool: Pool;
  /** Its statements, made once (not per read: the set is on every search's path). */
  sql: Sql;
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
    this.replicas = targets.map((t) => {
      const name = `${t.host}:${t.port}`;
      const pool = createPool(t, size);
      return { name, target: t, pool, sql: replicaSql(pool, name), downUntil: 0 };
    });
  }

  rows<T extends Row = Row>(sql: string, values: SqlValue[] = []): Promise<T[]> {
    return this.attempt(
      (s) => s.rows<T>(sql, values),
      () => this.master.rows<T>(sql, values),
    );
  }

  execute(sql: string, values: SqlValue[] = [], options?: StatementOptions): Promise<ResultSetHeader> {
    return this.attempt(
      (s) => s.execute(sql, values),
      () => this.master.execute(sql, values, options),
    );
  }

  /** Which replicas are currently in rotation, for /ready and status. */
  healthy(): string[] {
    const now = Date.now();
    return this.replicas.filter((r) => r.downUntil <= now).map((r) => r.name);
  }

  poolUse(): PoolUse[] {
    return this.replicas.map((r) => poolUse(r.pool, 'read', r.target));
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
        return await work(replica.sql);
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
  /** Each pool's connections now: write, read (one per slave endpoint), chat. */
  poolUse(): PoolUse[];
  close(): Promise<void>;
}

export function openDatabases(
  config: { master: MysqlTarget; slaves: MysqlTarget[]; chat: MysqlTarget; poolSize: number },
  log?: FastifyBaseLogger,
): Databases {
  const masterPool = createPool(config.master, config.poolSize);
  // Its own pool even on the same server: a send holds a master transaction while it writes the
  // message, and one shared pool would let busy senders starve each other of connections.
  const chatPool = createPool(config.chat, config.poolSize);
  const write = new MasterSql(masterPool, 'mysql master', log);
  const read = new ReplicaSet(config.slaves, config.poolSize, write, log);
  return {
    write,
    read,
    chat: new MasterSql(chatPool, 'chat mysql', log),
    poolUse: () => [
      poolUse(masterPool, 'write', config.master),
      ...read.poolUse(),
      poolUse(chatPool, 'chat', config.chat),
    ],
    close: async () => {
      await read.close();
      await chatPool.end().catch(() => {});
      await masterPool.end().catch(() => {});
    },
  };
}
