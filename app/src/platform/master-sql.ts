import type { FastifyBaseLogger } from 'fastify';
import type { Pool, PoolConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { Row, SqlValue } from '../../../lib/mysql.ts';
import { DependencyUnavailable } from './errors.ts';
import { type FailurePhase, isReadOnly, isUnavailable, safeToRetry } from './mysql-failure.ts';

export interface StatementOptions {
  /**
   * Running the statement twice leaves the same rows and the caller ignores its result counts
   * (INSERT IGNORE of a fixed row, say): it may be sent again even after the connection broke
   * where it may have committed.
   */
  idempotent?: boolean;
}

/** What repositories see: placeholders only, rows as plain objects, BIGINTs as strings. */
export interface Sql {
  rows<T extends Row = Row>(sql: string, values?: SqlValue[]): Promise<T[]>;
  execute(sql: string, values?: SqlValue[], options?: StatementOptions): Promise<ResultSetHeader>;
}

export interface WriteSql extends Sql {
  transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T>;
  /** `SELECT @@read_only` of the node the pool reaches now (a fresh connection when pooled ones were dropped). */
  writable(): Promise<boolean>;
}

/** How long to wait before the one retry: a failover's switch of the writer endpoint takes about a second. */
export const defaultRetryDelayMs = 500;

type Attempt = 'first' | 'retry';

/** A statement on one connection, errors passed through untouched. */
export function statementsOn(conn: Pick<PoolConnection, 'query'>): Sql {
  return {
    async rows<T extends Row>(sql: string, values: SqlValue[] = []): Promise<T[]> {
      const [rows] = await conn.query<RowDataPacket[]>(sql, values);
      return rows as T[];
    },
    async execute(sql: string, values: SqlValue[] = []): Promise<ResultSetHeader> {
      const [result] = await conn.query<ResultSetHeader>(sql, values);
      return result;
    },
  };
}

/**
 * The master behind one address (the writer endpoint of a proxy, or the node itself). A call that
 * fails because the node went away or turned read-only is sent once more, on a fresh connection,
 * when that cannot apply it twice (mysql-failure.ts `safeToRetry`); otherwise it is a 503.
 *
 * Pooled connections are stamped with a generation: a read-only answer means every connection made
 * before it reached a demoted master, so the generation moves on and older connections are dropped
 * as they come out of the pool instead of failing one write each.
 */
export class MasterSql implements WriteSql {
  private generation = 0;
  private readonly born = new WeakMap<object, number>();

  constructor(
    private readonly pool: Pool,
    private readonly name: string,
    private readonly log?: FastifyBaseLogger,
    private readonly retryDelayMs = defaultRetryDelayMs,
  ) {
    pool.on('connection', (conn) => this.born.set(coreOf(conn), this.generation));
  }

  rows<T extends Row = Row>(sql: string, values: SqlValue[] = []): Promise<T[]> {
    // A read changes nothing: always safe to ask again.
    return this.call((s) => s.rows<T>(sql, values), 'statement', true);
  }

  execute(sql: string, values: SqlValue[] = [], options: StatementOptions = {}): Promise<ResultSetHeader> {
    return this.call((s) => s.execute(sql, values), 'statement', options.idempotent ?? false);
  }

  transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T> {
    return this.call(
      async (s, conn, phase) => {
        await conn.beginTransaction();
        phase.at = 'transaction';
        try {
          const result = await work(s);
          await conn.commit();
          return result;
        } catch (error) {
          // A broken connection is rolled back by the server when it goes; a live one is told to.
          if (!isUnavailable(error)) await conn.rollback().catch(() => {});
          throw error;
        }
      },
      'connect',
      false,
    );
  }

  async writable(): Promise<boolean> {
    const readOnly = async () =>
      String((await this.rows<{ ro: unknown }>('SELECT @@GLOBAL.read_only AS ro'))[0]?.ro) !== '0';
    if (!(await readOnly())) return true;
    // The pooled connection may be the last one to a demoted master: ask a fresh one.
    this.dropPooled('read_only=1 seen');
    return !(await readOnly());
  }

  private async call<T>(
    work: (sql: Sql, conn: PoolConnection, phase: { at: FailurePhase }) => Promise<T>,
    firstPhase: FailurePhase,
    idempotent: boolean,
    attempt: Attempt = 'first',
  ): Promise<T> {
    const phase: { at: FailurePhase } = { at: 'connect' };
    let conn: PoolConnection | undefined;
    try {
      conn = await this.acquire();
      phase.at = firstPhase;
      const result = await work(statementsOn(conn), conn, phase);
      conn.release();
      return result;
    } catch (error) {
      if (conn) this.discard(conn, error);
      if (attempt === 'first' && safeToRetry(error, phase.at, idempotent)) {
        this.log?.warn(
          { dependency: this.name, err: (error as Error).message, phase: phase.at },
          'mysql call failed before any effect: retrying once on a fresh connection',
        );
        await new Promise((resolve) => setTimeout(resolve, this.retryDelayMs));
        return this.call(work, firstPhase, idempotent, 'retry');
      }
      throw isUnavailable(error) ? new DependencyUnavailable(this.name, error) : error;
    }
  }

  /** A pooled connection, never one made before the last read-only answer. */
  private async acquire(): Promise<PoolConnection> {
    for (;;) {
      const conn = await this.pool.getConnection();
      if ((this.born.get(coreOf(conn)) ?? this.generation) >= this.generation) return conn;
      conn.destroy();
    }
  }

  /** After a failure: a connection that may be broken or reaches a read-only node is not pooled again. */
  private discard(conn: PoolConnection, error: unknown): void {
    if (isReadOnly(error)) this.dropPooled('the node answered read-only');
    // An ordinary SQL error leaves a good connection (a transaction rolled back already).
    if (isUnavailable(error)) conn.destroy();
    else conn.release();
  }

  private dropPooled(reason: string): void {
    this.generation++;
    this.log?.warn({ dependency: this.name, reason }, 'dropping pooled mysql connections');
  }
}

/** The core connection behind a promise wrapper: the same object in 'connection' events and getConnection. */
function coreOf(conn: unknown): object {
  return (conn as { connection?: object }).connection ?? (conn as object);
}
