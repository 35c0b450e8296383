import { describe, expect, it } from 'vitest';
import type { PointResult } from '../wrk/results.ts';
import { curveSeries } from './scale-curve.ts';
import { type CurveData, curveCharts, curveMarkdown } from './scale-curve-render.ts';
import { scaleCurveRunbook } from './scale-curve-runbook.ts';

const result = (rps: number, p99Ms: number): PointResult => ({
  requests: rps * 10,
  durationS: 10,
  rps,
  p50Ms: p99Ms / 3,
  p90Ms: p99Ms / 2,
  p99Ms,
  maxMs: p99Ms,
  errors: { connect: 0, read: 0, write: 0, status: 0, timeout: 0 },
});

function curve(): CurveData {
  const [single, expanded] = curveSeries();
  const step = (users: number, a: number, b: number) => ({
    users,
    generated: { added: users / 2, seconds: 12.5 },
    loadBefore: 3,
    costs: [
      {
        shape: 'single' as const,
        searches: 2,
        rows: 20,
        examined: 800,
        examinedPerResult: 40,
        medianExamined: 400,
        statements: 2,
        diskReadsPerSearch: 1.5,
      },
    ],
    series: [
      { spec: single!, points: [{ connections: 100, result: result(a, 90) }] },
      { spec: expanded!, points: [{ connections: 100, result: result(b, 40) }] },
    ],
    diskReadsPerRequest: { 'db-single': 2.25 },
  });
  return {
    startedAt: 'then',
    command: 'npx zx scripts/scale-curve.mjs',
    machine: {
      cpus: 2,
      cpuModel: 'cpu',
      memoryGiB: 8,
      os: 'os',
      node: '20',
      wrk: 'wrk',
      mysql: 'maria',
      loadBefore: 1,
    },
    bufferPool: 256 * 2 ** 20,
    connections: 100,
    durationS: 10,
    steps: [step(1_000_000, 3000, 2500), step(3_000_000, 1200, 2100)],
  };
}

describe('the scale curve', () => {
  it('tables every step: generation, scan cost, each series with its disk reads', () => {
    const md = curveMarkdown(curve());
    expect(md).toContain('| 3,000,000 | 1,500,000 users in 12.5 s | 3.0 | single | 400 | 40.0 | 1.50 |');
    expect(md).toContain('| 1,000,000 | MySQL alone, single statement | 3,000 | 30.0 | 90.0 | 0 | 2.25 |');
    expect(md).toContain('256 MiB');
    expect(md).toContain('not finished');
  });

  it('charts req/s and p99 against users, a point per step', () => {
    const charts = curveCharts(curve());
    expect(Object.keys(charts)).toEqual(['throughput-users.svg', 'p99-users.svg']);
    expect(charts['throughput-users.svg']!.match(/<circle/g)?.length).toBe(4);
  });

  it('refuses sizes that do not ascend', () => {
    const rb = scaleCurveRunbook([]);
    expect(() =>
      rb.validate?.({ sizes: ['3000000', '1000000'], connections: 100, duration: 15 } as never, []),
    ).toThrow(/ascend/);
  });
});
