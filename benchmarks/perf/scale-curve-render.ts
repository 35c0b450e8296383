import type { ScanCost } from '../wrk/explain.ts';
import type { MachineInfo } from '../wrk/report-data.ts';
import { totalErrors } from '../wrk/results.ts';
import type { SeriesResult } from '../wrk/series.ts';
import { lineChart } from '../wrk/svg.ts';

export interface CurveStep {
  users: number;
  /** The top-up to this size: users added and how long it took. */
  generated?: { added: number; seconds: number };
  loadBefore: number;
  loadAfter?: number;
  /** What each shape examines and reads from disk per search (a 200-search sample, one caller). */
  costs: ScanCost[];
  series: SeriesResult[];
  /** Buffer-pool reads from disk on the master per answered request, during each series. */
  diskReadsPerRequest: Record<string, number>;
}

export interface CurveData {
  startedAt: string;
  finishedAt?: string;
  command: string;
  machine: MachineInfo;
  bufferPool: number;
  connections: number;
  durationS: number;
  steps: CurveStep[];
}

const num = (n: number, digits = 0): string =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : '–';

function seriesIds(curve: CurveData): Array<{ id: string; label: string; db: boolean }> {
  const seen = new Map<string, { id: string; label: string; db: boolean }>();
  for (const step of curve.steps)
    for (const s of step.series)
      seen.set(s.spec.id, { id: s.spec.id, label: s.spec.label, db: s.spec.driver === 'db' });
  return [...seen.values()];
}

const resultOf = (step: CurveStep, id: string) =>
  step.series.find((s) => s.spec.id === id)?.points[0]?.result;

/** req/s and p99 against users, one line per series (dashed: the database alone). */
export function curveCharts(curve: CurveData): Record<string, string> {
  const ids = seriesIds(curve);
  const lines = (value: (step: CurveStep, id: string) => number | undefined) =>
    ids.map(({ id, label, db }) => ({
      name: label,
      dashed: db,
      group: id.replace(/^(db|app)-/, ''),
      points: curve.steps.flatMap((step) => {
        const v = value(step, id);
        return v === undefined ? [] : [[step.users, v] as [number, number]];
      }),
    }));
  return {
    'throughput-users.svg': lineChart({
      title: `Search throughput against users (${curve.connections} connections)`,
      xLabel: 'users',
      yLabel: 'req/s',
      lines: lines((step, id) => resultOf(step, id)?.rps),
    }),
    'p99-users.svg': lineChart({
      title: `Search p99 against users (${curve.connections} connections)`,
      xLabel: 'users',
      yLabel: 'p99 ms',
      lines: lines((step, id) => resultOf(step, id)?.p99Ms),
    }),
  };
}

/** The curve as Markdown: per step the generation, the scan costs and the series side by side. */
export function curveMarkdown(curve: CurveData): string {
  const ids = seriesIds(curve);
  const m = curve.machine;
  const out = [
    '# The search cost curve: users against req/s, latency, rows examined and disk reads',
    '',
    `Command: \`${curve.command}\`. Started ${curve.startedAt}${curve.finishedAt ? `, finished ${curve.finishedAt}` : ' (not finished: the steps below are what was measured)'}.`,
    `Machine: ${m.cpus} × ${m.cpuModel}, ${num(m.memoryGiB, 1)} GiB, ${m.os}, Node ${m.node}, ${m.mysql}, ${m.wrk}; InnoDB buffer pool ${num(curve.bufferPool / 2 ** 20)} MiB per server.`,
    `Measured under load: the machine was shared with other work (load average per step below), so absolute figures are depressed; compare the series of one step, measured one after the other within minutes.`,
    `Each series: ${curve.connections} connections for ${curve.durationS} s, reads on the master. Users are topped up with the generator's own code; friendships, posts and dialogs are not added past the first size.`,
    '',
    '## Generation and what a search costs',
    '',
    '| users | top-up | load avg | shape | median examined per search | examined per row returned | disk reads per search (1 caller) |',
    '|--:|---|--:|---|--:|--:|--:|',
  ];
  for (const step of curve.steps)
    for (const c of step.costs)
      out.push(
        `| ${num(step.users)} | ${step.generated ? `${num(step.generated.added)} users in ${num(step.generated.seconds, 1)} s` : 'none'} | ${num(step.loadBefore, 1)} | ${c.shape} | ${num(c.medianExamined)} | ${num(c.examinedPerResult, 1)} | ${num(c.diskReadsPerSearch ?? 0, 2)} |`,
      );
  out.push(
    '',
    `## Throughput and latency (${curve.connections} connections)`,
    '',
    '| users | series | req/s | p50 ms | p99 ms | errors | disk reads per request |',
    '|--:|---|--:|--:|--:|--:|--:|',
  );
  for (const step of curve.steps)
    for (const { id, label } of ids) {
      const r = resultOf(step, id);
      out.push(
        r
          ? `| ${num(step.users)} | ${label} | ${num(r.rps)} | ${num(r.p50Ms, 1)} | ${num(r.p99Ms, 1)} | ${totalErrors(r.errors)} | ${num(step.diskReadsPerRequest[id] ?? 0, 2)} |`
          : `| ${num(step.users)} | ${label} | failed | | | | |`,
      );
    }
  out.push('', '![throughput](throughput-users.svg)', '', '![p99](p99-users.svg)', '');
  return `${out.join('\n')}\n`;
}
