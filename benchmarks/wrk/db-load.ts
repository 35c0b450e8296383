import { performance } from 'node:perf_hooks';
import type { Pool } from 'mysql2/promise';
import type { MysqlTarget } from '../../app/src/ops.ts';
import { createPool } from '../../app/src/ops.ts';
import { LatencyRecorder } from './latency.ts';
import type { SearchPrefix } from './prefixes.ts';
import { noErrors, type PointResult } from './results.ts';
import { type QueryShape, runSearch } from './search-query.ts';

export interface DbLoadOptions {
  /** Where the searches go, round-robin per search (the master alone, or the slaves). */
  targets: MysqlTarget[];
  /** Concurrent callers, like wrk's connections. */
  concurrency: number;
  /** Connections per target, at most: callers beyond it queue in the pool, as the app's requests do. */
  maxConnections: number;
  durationS: number;
  /** A search slower than this is stopped by the server (max_statement_time) and counted as a timeout. */
  timeoutS: number;
  prefixes: SearchPrefix[];
  limit: number;
  shape: QueryShape;
  /** Seeds the choice of prefixes, so two runs ask the same sequence. */
  seed?: number;
}

const timeoutCodes = new Set(['ER_STATEMENT_TIMEOUT', 'ER_QUERY_TIMEOUT', 'PROTOCOL_SEQUENCE_TIMEOUT']);
/** MariaDB's max_statement_time (1969) and MySQL's MAX_EXECUTION_TIME (3024): mysql2 may not name them. */
const timeoutErrnos = new Set([1969, 3024]);

export function isTimeout(error: unknown): boolean {
  const e = error as { code?: string; errno?: number };
  return timeoutCodes.has(e.code ?? '') || timeoutErrnos.has(e.errno ?? 0);
}

/**
 * The database's own limit: the app's search statement issued straight to MySQL by `concurrency`
 * callers for `durationS`, through mysql2 pools with the app's driver settings, with no HTTP and no
 * app around it. Bounded: callers stop starting searches at the deadline and the server ends any
 * search longer than the timeout.
 */
export async function runDbLoad(options: DbLoadOptions): Promise<PointResult> {
  const size = Math.max(1, Math.min(options.concurrency, options.maxConnections));
  const pools = options.targets.map((t) => statementTimeoutPool(createPool(t, size), options.timeoutS));
  try {
    // Every connection opened and warm before the clock starts, as wrk's are; ten handshakes at a
    // time, since a hundred at once on a busy machine outlast the pool's connect timeout (3 s).
    await Promise.all(
      pools.map(async (pool) => {
        const held = [];
        for (let opened = 0; opened < size; opened += 10)
          held.push(
            ...(await Promise.all(
              Array.from({ length: Math.min(10, size - opened) }, () => pool.getConnection()),
            )),
          );
        for (const c of held) c.release();
      }),
    );
    const latency = new LatencyRecorder();
    const errors = noErrors();
    let next = 0;
    let state = (options.seed ?? 1) >>> 0;
    const random = (n: number): number => {
      state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
      return state % n;
    };
    const started = performance.now();
    const deadline = started + options.durationS * 1000;
    const caller = async (): Promise<void> => {
      while (performance.now() < deadline) {
        const pool = pools[next++ % pools.length]!;
        const prefix = options.prefixes[random(options.prefixes.length)]!;
        const t0 = performance.now();
        try {
          await runSearch(pool, options.shape, prefix, options.limit);
          latency.add((performance.now() - t0) * 1000);
        } catch (error) {
          const code = (error as { code?: string }).code ?? '';
          if (isTimeout(error)) errors.timeout += 1;
          else if (/ECONNREFUSED|ER_CON_COUNT_ERROR|ENOTFOUND|ETIMEDOUT/.test(code)) errors.connect += 1;
          else errors.status += 1;
        }
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, caller));
    const durationS = (performance.now() - started) / 1000;
    return {
      requests: latency.count,
      durationS,
      rps: latency.count / durationS,
      p50Ms: latency.percentile(50) / 1000,
      p90Ms: latency.percentile(90) / 1000,
      p99Ms: latency.percentile(99) / 1000,
      maxMs: latency.max() / 1000,
      errors,
    };
  } finally {
    await Promise.all(pools.map((p) => p.end().catch(() => {})));
  }
}

/** Each new connection of the pool gets a server-side statement timeout (MariaDB's max_statement_time). */
function statementTimeoutPool(pool: Pool, timeoutS: number): Pool {
  pool.on('connection', (connection) => {
    // The core connection queues this before any search it will run; MySQL (not MariaDB) ignores it with an error we drop.
    (connection as unknown as { query(sql: string, cb: () => void): void }).query(
      `SET SESSION max_statement_time = ${Number(timeoutS)}`,
      () => {},
    );
  });
  return pool;
}
