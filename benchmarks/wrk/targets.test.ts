import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ReportData } from './report-data.ts';
import type { PointResult } from './results.ts';
import { judgeTargets } from './targets.ts';

/** The recorded run, its 100-connection points taken out (each test adds the ones it needs). */
function base(): ReportData {
  const data = JSON.parse(
    readFileSync(join(import.meta.dirname, 'fixtures', 'results-quick.json'), 'utf8'),
  ) as ReportData;
  for (const s of data.series) s.points = s.points.filter((p) => p.connections !== 100);
  return data;
}

const point = (rps: number, p99Ms: number, timeout = 0): PointResult => ({
  requests: rps * 30,
  durationS: 30,
  rps,
  p50Ms: p99Ms / 4,
  p90Ms: p99Ms / 2,
  p99Ms,
  maxMs: p99Ms * 2,
  errors: { connect: 0, read: 0, write: 0, status: 0, timeout },
});

/** The recorded run with a 100-connection point added to the named series. */
function with100(values: Record<string, PointResult>): ReportData {
  const data = base();
  for (const s of data.series)
    if (values[s.spec.id]) s.points.push({ connections: 100, result: values[s.spec.id] });
  return data;
}

const verdict = (data: ReportData, start: string) =>
  judgeTargets(data).find((t) => t.target.startsWith(start))!;

describe('judgeTargets', () => {
  it('judges nothing at 100 connections when the run had no such point', () => {
    expect(verdict(base(), 'app-master').met).toBeUndefined();
    expect(verdict(base(), 'app-master').measured).toContain('no 100-connection point');
  });

  it('meets the app target at 0.85 of the DB alone with p99 under 100 ms and no errors', () => {
    const data = with100({ 'db-master': point(2000, 30), 'app-master': point(1720, 80) });
    expect(verdict(data, 'app-master').met).toBe(true);
    expect(verdict(data, 'app-master').measured).toContain('= 0.86');
  });

  it('holds the app to the best of its limit series, the slaves to 0.8', () => {
    const data = with100({ 'db-master': point(2000, 30), 'app-master': point(1720, 80) });
    const expanded = structuredClone(data.series.find((s) => s.spec.id === 'db-master')!);
    expanded.spec.id = 'db-master-expanded';
    expanded.points = [{ connections: 100, result: point(2400, 30) }];
    data.series.push(expanded);
    data.series.find((s) => s.spec.id === 'app-master')!.spec.limitOf = ['db-master', 'db-master-expanded'];
    expect(verdict(data, 'app-master').met).toBe(false);
    expect(verdict(data, 'app-master').measured).toContain('(db-master-expanded) = 0.72');
    const slaves = with100({ 'db-slaves': point(2000, 30), 'app-slaves': point(1620, 80) });
    expect(verdict(slaves, 'app-slaves').met).toBe(true);
  });

  it('misses it on throughput, on p99, or on a single timeout', () => {
    expect(
      verdict(with100({ 'db-master': point(2000, 30), 'app-master': point(1600, 80) }), 'app-master').met,
    ).toBe(false);
    expect(
      verdict(with100({ 'db-master': point(2000, 30), 'app-master': point(1900, 120) }), 'app-master').met,
    ).toBe(false);
    expect(
      verdict(with100({ 'db-master': point(2000, 30), 'app-master': point(1900, 80, 1) }), 'app-master').met,
    ).toBe(false);
  });

  it('compares Tarantool with the better MySQL series', () => {
    const data = with100({ 'app-master': point(1000, 50), 'app-slaves': point(1500, 50) });
    data.series.push({
      spec: {
        ...data.series[1]!.spec,
        id: 'app-tarantool',
        label: 'app, search on Tarantool',
        backend: 'tarantool',
      },
      points: [{ connections: 100, result: point(2900, 20) }],
    });
    const t = verdict(data, 'Tarantool');
    expect(t.met).toBe(false);
    expect(t.measured).toContain('2,900 vs 1,500');
  });

  it('shows the no-index answers, errors and requests never answered', () => {
    const t = verdict(base(), 'without the index');
    const point = base().series.find((s) => s.spec.id === 'app-master-noindex')!.points[0]!.result!;
    expect(t.measured).toContain(`1 conns: ${point.requests} answered`);
    expect(t.measured).toContain(`${point.unanswered} unanswered at end`);
    expect(t.met).toBeUndefined();
  });

  it('judges the generator only on a million users generated in the run', () => {
    const data = base();
    data.users.generated = { added: 1_000_000, seconds: 29 };
    expect(verdict(data, 'generate-users').met).toBe(true);
    data.users.generated = { added: 5000, seconds: 1 };
    expect(verdict(data, 'generate-users').met).toBeUndefined();
  });
});
