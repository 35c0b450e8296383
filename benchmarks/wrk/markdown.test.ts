import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  charts,
  costTable,
  cpuTable,
  ms,
  processCostTable,
  renderSummary,
  resultsTable,
  targetsTable,
} from './markdown.ts';
import type { ReportData } from './report-data.ts';
import { lineChart } from './svg.ts';

const recorded = (): ReportData =>
  JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'results-quick.json'), 'utf8')) as ReportData;

describe('resultsTable', () => {
  it('has one row per series and connection count, with the fraction of the DB alone on app rows', () => {
    const data = recorded();
    const table = resultsTable(data).split('\n');
    const points = data.series.reduce((n, s) => n + s.points.length, 0);
    expect(table).toHaveLength(2 + points);
    const appMaster10 = table.find((l) => l.startsWith('| app, reads on master | 100 |'))!;
    const app = data.series.find((s) => s.spec.id === 'app-master')!.points[1]!.result!;
    const db = data.series.find((s) => s.spec.id === 'db-master')!.points[1]!.result!;
    expect(appMaster10.split('|').at(-2)!.trim()).toBe((app.rps / db.rps).toFixed(2));
    const dbRow = table.find((l) => l.startsWith('| MySQL alone, master | 1 |'))!;
    expect(dbRow.split('|').at(-2)!.trim()).toBe('');
  });

  it('shows errors in bold with their kinds, and a failed point with its reason', () => {
    const data = recorded();
    const point = data.series[1]!.points[0]!;
    point.result!.errors = { connect: 0, read: 2, write: 0, status: 5, timeout: 3 };
    data.series[1]!.points[1] = { connections: 100, failure: 'wrk printed no result: unable to connect' };
    const table = resultsTable(data);
    expect(table).toContain('**10** (read 2, non-2xx 5, timeout 3)');
    expect(table).toContain(
      '| app, reads on master | 100 | | | | | **failed**: wrk printed no result: unable to connect | | |',
    );
  });
});

describe('table shapes', () => {
  it('every row of every table has as many cells as its header', () => {
    const data = recorded();
    expect(cpuTable(data).split('\n').length).toBeGreaterThan(2);
    data.series[0]!.points[0] = { connections: 1, failure: 'x' };
    data.series.push({ spec: data.series[0]!.spec, points: [], note: 'skipped' });
    for (const table of [resultsTable(data), cpuTable(data), costTable(data), targetsTable(data)]) {
      const cells = table.split('\n').map((l) => l.split('|').length);
      expect(new Set(cells).size, table).toBe(1);
    }
  });
});

describe('charts', () => {
  it('draws throughput and latency with and without the index, one path per series with data', () => {
    const data = recorded();
    const svgs = charts(data);
    expect(Object.keys(svgs).sort()).toEqual([
      'latency-index.svg',
      'latency-noindex.svg',
      'throughput-index.svg',
      'throughput-noindex.svg',
    ]);
    const withIndex = data.series.filter((s) => s.spec.index).length;
    expect(svgs['throughput-index.svg']!.match(/<path /g)).toHaveLength(withIndex);
    for (const svg of Object.values(svgs)) {
      expect(svg).not.toMatch(/NaN|undefined|Infinity/);
      expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    }
    // The app and the database alone on the same servers share a colour; the database's line is dashed.
    const master = svgs['throughput-index.svg']!.match(/<path [^>]*stroke="(#[0-9a-f]+)"[^>]*>/g)!;
    expect(master[0]).toContain('stroke-dasharray');
    expect(master[0]!.match(/stroke="(#\w+)"/)![1]).toBe(master[1]!.match(/stroke="(#\w+)"/)![1]);
  });
});

describe('lineChart', () => {
  it('leaves out points a log axis cannot show and says when a line has none', () => {
    const svg = lineChart({
      title: 'a < b',
      xLabel: 'x',
      yLabel: 'y',
      lines: [
        {
          name: 'zeros',
          points: [
            [1, 0],
            [10, Number.NaN],
          ],
        },
        {
          name: 'ok',
          points: [
            [1, 5],
            [10, 50],
          ],
        },
      ],
    });
    expect(svg).toContain('zeros (no data)');
    expect(svg).toContain('a &#60; b');
    expect(svg.match(/<circle /g)).toHaveLength(2);
  });
});

describe('renderSummary', () => {
  it('links every chart and plan file and names the machine', () => {
    const data = recorded();
    const md = renderSummary(data, Object.keys(charts(data)));
    for (const f of [
      'throughput-index.svg',
      'latency-noindex.svg',
      'explain-index.json',
      'analyze-noindex.json',
    ])
      expect(md).toContain(`(${f})`);
    expect(md).toContain(`${data.machine.cpus} × ${data.machine.cpuModel}`);
    expect(md).toContain('quick mode');
  });

  it('formats latencies with precision that fits their size', () => {
    expect([ms(0.8412), ms(12.34), ms(1390.4), ms(Number.NaN)]).toEqual(['0.84', '12.3', '1,390', '–']);
  });
});

describe('processCostTable', () => {
  it("is there only with an HTTP floor series, and gives the serving process's CPU ms per answer", () => {
    const data = recorded();
    expect(processCostTable(data)).toBeUndefined();
    const app = data.series.find((s) => s.spec.id === 'app-master')!;
    const point = app.points[1]!;
    point.cpu = { app: 0.5, mysql: 0.3, self: 0.01, client: 0.1, machine: 1 };
    point.result = { ...point.result!, requests: 5_000, durationS: 10, rps: 500 };
    data.series.push({
      spec: {
        ...app.spec,
        id: 'http-floor-node',
        label: 'HTTP floor: bare Node server, fixed answer',
        floor: 'node',
      },
      points: [
        {
          connections: 100,
          result: { ...point.result, requests: 40_000, rps: 4_000 },
          cpu: { app: 0.8, mysql: 0, self: 0.01, client: 0.6, machine: 1.5 },
        },
      ],
    });
    const rows = processCostTable(data)!.split('\n');
    expect(rows).toContain('| app, reads on master | 100 | 500 | 0.50 | 1.000 |');
    expect(rows).toContain('| HTTP floor: bare Node server, fixed answer | 100 | 4,000 | 0.80 | 0.200 |');
    expect(renderSummary(data, [])).toContain('## The serving process alone: the HTTP floor');
  });
});
