import type { ReadPool } from './app-process.ts';
import type { CpuUse } from './cpu.ts';
import type { FloorKind } from './http-floor.ts';
import type { PointResult } from './results.ts';
import type { QueryShape } from './search-query.ts';

/**
 * Who answers the searches of a series: wrk → our own app instance, the DB-alone load tool straight
 * to MySQL, or wrk → the environment's own front as its users reach it (`env`: nginx over its
 * instances, or one of them direct).
 */
export type Driver = 'app' | 'db' | 'env';
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
  /**
   * For app series: the DB-alone series measured in the same run that are its limit; the best of them
   * at each connection count (an old report's single id still reads).
   */
  limitOf?: string | string[];
  /** app series: settings of its own for the instance (SEARCH_SHAPE...). */
  appEnv?: Record<string, string>;
  /** app series: run the app from the baseline checkout (--baseline) instead of this one. */
  baseline?: boolean;
  /** env series: the environment's front (inventory app.url, nginx) or its first instance direct. */
  target?: 'front' | 'instance';
  /** app series: not the app but the HTTP floor's server of this kind (http-floor-server.ts). */
  floor?: FloorKind;
}

export function limitIds(spec: SeriesSpec): string[] {
  return spec.limitOf === undefined ? [] : Array.isArray(spec.limitOf) ? spec.limitOf : [spec.limitOf];
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
  /** With --rounds: req/s of every round; the point shown is the round with the median req/s. */
  rounds?: number[];
}

export interface SeriesResult {
  spec: SeriesSpec;
  points: PointRecord[];
  /** Said about the series as a whole (skipped, and why). */
  note?: string;
}

export interface PlanOptions {
  tarantool: boolean;
  /** The environment's app is behind nginx (inventory app.instances): measure through it and one instance direct. */
  front: boolean;
  /** A baseline checkout is given: the app series once more from it, right after each app series. */
  baseline?: boolean;
  /** Only these series ids (empty or absent: all). */
  only?: string[];
}

/**
 * The series of a report, in the order they run: with the index first (for the master and then the
 * slaves: the database alone with each query shape, then the app reading there, held to the best of
 * them), the HTTP floor (no database), Tarantool, the environment's front; then without the index (the database alone and the app,
 * on the master).
 */
export function planSeries(options: PlanOptions): SeriesSpec[] {
  const s = (spec: Omit<SeriesSpec, 'shape' | 'backend'> & Partial<SeriesSpec>): SeriesSpec => ({
    shape: 'app',
    backend: 'mysql',
    ...spec,
  });
  const plan: SeriesSpec[] = [];
  for (const reads of ['master', 'slaves'] as const) {
    const where = reads === 'master' ? 'master' : 'slaves';
    plan.push(
      s({
        id: `db-${reads}-single`,
        label: `MySQL alone, ${where}, single statement`,
        driver: 'db',
        reads,
        index: true,
        shape: 'single',
      }),
      s({
        id: `db-${reads}-expanded`,
        label: `MySQL alone, ${where}, expanded query`,
        driver: 'db',
        reads,
        index: true,
        shape: 'expanded',
      }),
      s({
        id: `app-${reads}`,
        label: `app, reads on ${where}`,
        driver: 'app',
        reads,
        index: true,
        limitOf: [`db-${reads}-single`, `db-${reads}-expanded`],
      }),
    );
    if (options.baseline)
      plan.push(
        s({
          id: `app-${reads}-baseline`,
          label: `app before (baseline), reads on ${where}`,
          driver: 'app',
          reads,
          index: true,
          limitOf: [`db-${reads}-single`, `db-${reads}-expanded`],
          baseline: true,
        }),
      );
  }
  // What HTTP alone costs here, no database: the least a Node server does, then the app's HTTP layer.
  plan.push(
    s({
      id: 'http-floor-node',
      label: 'HTTP floor: bare Node server, fixed answer',
      driver: 'app',
      reads: 'master',
      index: true,
      floor: 'node',
    }),
    s({
      id: 'http-floor-fastify',
      label: "HTTP floor: the app's fastify layer and search route, fixed answer",
      driver: 'app',
      reads: 'master',
      index: true,
      floor: 'fastify',
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
  if (options.front)
    plan.push(
      s({
        id: 'env-instance',
        label: "environment's app, one instance direct",
        driver: 'env',
        reads: 'slaves',
        index: true,
        target: 'instance',
      }),
      s({
        id: 'env-nginx',
        label: "environment's app through nginx (two instances)",
        driver: 'env',
        reads: 'slaves',
        index: true,
        target: 'front',
      }),
    );
  plan.push(
    s({
      id: 'db-master-noindex',
      label: 'MySQL alone, master, no index',
      driver: 'db',
      reads: 'master',
      index: false,
      shape: 'single',
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
  const only = options.only ?? [];
  return only.length ? plan.filter((p) => only.includes(p.id)) : plan;
}

/** Every series id a plan can hold, for --series's check. */
export const seriesIds = planSeries({ tarantool: true, front: true, baseline: true }).map((s) => s.id);

/**
 * Series measured in several rounds (each round runs every series once, so a change of the machine's
 * load falls on all of them alike) folded into one per id: at each connection count the round with the
 * median req/s, with every round's req/s kept beside it.
 */
export function foldRounds(results: SeriesResult[]): SeriesResult[] {
  const byId = new Map<string, SeriesResult[]>();
  for (const r of results) byId.set(r.spec.id, [...(byId.get(r.spec.id) ?? []), r]);
  return [...byId.values()].map((rounds) => {
    if (rounds.length === 1) return rounds[0]!;
    const connections = [...new Set(rounds.flatMap((r) => r.points.map((p) => p.connections)))];
    const points = connections.map((c) => {
      const all = rounds.flatMap((r) => r.points.filter((p) => p.connections === c));
      const measured = all.filter((p) => p.result).sort((a, b) => a.result!.rps - b.result!.rps);
      const median = measured[Math.floor((measured.length - 1) / 2)] ?? all[0]!;
      return { ...median, rounds: all.map((p) => p.result?.rps ?? 0) };
    });
    return { ...rounds[0]!, points };
  });
}
