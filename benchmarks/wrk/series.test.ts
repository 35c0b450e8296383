import { describe, expect, it } from 'vitest';
import type { PointResult } from './results.ts';
import { foldRounds, planSeries, type SeriesResult } from './series.ts';

const result = (rps: number): PointResult => ({
  requests: rps,
  durationS: 1,
  rps,
  p50Ms: 1,
  p90Ms: 2,
  p99Ms: 3,
  maxMs: 4,
  errors: { connect: 0, read: 0, write: 0, status: 0, timeout: 0 },
});

describe('planSeries', () => {
  it('holds each app series to both query shapes on its read pool, and filters by id', () => {
    const plan = planSeries({ tarantool: false, front: true, baseline: true });
    expect(plan.find((s) => s.id === 'app-slaves')?.limitOf).toEqual([
      'db-slaves-single',
      'db-slaves-expanded',
    ]);
    expect(plan.find((s) => s.id === 'app-master-baseline')?.baseline).toBe(true);
    expect(plan.map((s) => s.id)).toContain('env-nginx');
    expect(planSeries({ tarantool: true, front: false, only: ['app-master'] }).map((s) => s.id)).toEqual([
      'app-master',
    ]);
  });
});

describe('foldRounds', () => {
  it('keeps, per id and connection count, the round with the median req/s and lists them all', () => {
    const [spec] = planSeries({ tarantool: false, front: false, only: ['app-master'] });
    const round = (rps: number): SeriesResult => ({
      spec: spec!,
      points: [{ connections: 100, result: result(rps) }],
    });
    const [folded, ...rest] = foldRounds([round(900), round(1200), round(1000)]);
    expect(rest).toEqual([]);
    expect(folded!.points[0]!.result!.rps).toBe(1000);
    expect(folded!.points[0]!.rounds).toEqual([900, 1200, 1000]);
  });
});
