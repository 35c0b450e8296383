import type { ReadPool } from './app-process.ts';
import type { CpuUse } from './cpu.ts';
import type { PointResult } from './results.ts';
import type { QueryShape } from './search-query.ts';

/** Who answers the searches of a series: wrk → our app, or the DB-alone load tool straight to MySQL. */
export type Driver = 'app' | 'db';
export type Backend = 'mysql' | 'tarantool';

export interface SeriesSpec {
  id: string;
  label: string;
  driver: Driver;
  reads: ReadPool;
  index: boolean;
  backend: Backend;
  /** DB-alone only: how the search is put to the database. */
  shape: QueryShape;
  /** For app series: the DB-alone series measured at the same time that is its limit. */
  limitOf?: string;
}

export interface PointRecord {
  connections: number;
  result?: PointResult;
  /** Why there is no result (wrk could not connect, the app died): shown in the report, never hidden. */
  failure?: string;
  /** The raw output's file name under raw/. */
  raw?: string;
  /** Cores each party used during the point: what limits the throughput. */
  cpu?: CpuUse;
}

export interface SeriesResult {
  spec: SeriesSpec;
  points: PointRecord[];
  /** Said about the series as a whole (skipped, and why). */
  note?: string;
}

export interface PlanOptions {
  tarantool: boolean;
  /** The shape to compare with the app's (the cheaper query), as a DB-alone series. */
  compareShape: boolean;
}

/**
 * The series of a report, in the order they run: with the index first (the database alone on the
 * master and on the slaves, the app reading from each, the cheaper query shape, Tarantool), then
 * without it (the database alone and the app, on the master).
 */
export function planSeries(options: PlanOptions): SeriesSpec[] {
  const s = (spec: Omit<SeriesSpec, 'shape' | 'backend'> & Partial<SeriesSpec>): SeriesSpec => ({
    shape: 'app',
    backend: 'mysql',
    ...spec,
  });
  const plan: SeriesSpec[] = [
    s({ id: 'db-master', label: 'MySQL alone, master', driver: 'db', reads: 'master', index: true }),
    s({
      id: 'app-master',
      label: 'app, reads on master',
      driver: 'app',
      reads: 'master',
      index: true,
      limitOf: 'db-master',
    }),
    s({ id: 'db-slaves', label: 'MySQL alone, slaves', driver: 'db', reads: 'slaves', index: true }),
    s({
      id: 'app-slaves',
      label: 'app, reads on slaves',
      driver: 'app',
      reads: 'slaves',
      index: true,
      limitOf: 'db-slaves',
    }),
  ];
  if (options.compareShape)
    plan.push(
      s({
        id: 'db-master-expanded',
        label: 'MySQL alone, master, expanded query',
        driver: 'db',
        reads: 'master',
        index: true,
        shape: 'expanded',
      }),
    );
  if (options.tarantool)
    plan.push(
      s({
        id: 'app-tarantool',
        label: 'app, search on Tarantool',
        driver: 'app',
        reads: 'slaves',
        index: true,
        backend: 'tarantool',
      }),
    );
  plan.push(
    s({
      id: 'db-master-noindex',
      label: 'MySQL alone, master, no index',
      driver: 'db',
      reads: 'master',
      index: false,
    }),
    s({
      id: 'app-master-noindex',
      label: 'app, reads on master, no index',
      driver: 'app',
      reads: 'master',
      index: false,
      limitOf: 'db-master-noindex',
    }),
  );
  return plan;
}
