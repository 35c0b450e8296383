import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { repoRoot } from '../../inventory/paths.ts';
import type { Op } from './load.ts';
import { buckets } from './measure.ts';
import { renderTimeline, type TimelineMark } from './timeline-svg.ts';

export interface SummaryRow {
  measure: string;
  result: string;
  target: string;
  /** undefined: no target. */
  met?: boolean;
}

export interface DrillOptions {
  durationMs: number;
  /** The command line that ran the drill, for the report. */
  command: string;
}

export interface DrillReport {
  kind: 'failover' | 'app-instance' | 'restore';
  title: string;
  command: string;
  startedAt: number;
  rows: SummaryRow[];
  /** Lines under the table: what happened, in order, and what the figures mean. */
  notes: string[];
  marks: TimelineMark[];
  ops: readonly Op[];
  loadFrom: number;
  loadTo: number;
  /** Everything else, as is, into report.json. */
  data: Record<string, unknown>;
}

export const defaultReportsDir = resolve(repoRoot, 'reports', 'drills');

/** reports/drills/<timestamp>-<kind>/: summary.md, timeline.svg, report.json. Returns the folder. */
export function writeDrillReport(report: DrillReport, reportsDir: string): string {
  const stamp = new Date(report.startedAt).toISOString().slice(0, 19).replace(/:/g, '-');
  const dir = join(reportsDir, `${stamp}-${report.kind}`);
  mkdirSync(dir, { recursive: true });
  const sliceMs = report.loadTo - report.loadFrom > 60_000 ? 500 : 250;
  const slices = buckets(report.ops, report.loadFrom, report.loadTo, sliceMs);
  const seconds = (at: number) => ((at - report.loadFrom) / 1000).toFixed(2);
  const marks = report.marks.map((m) => ({ ...m, label: `${seconds(m.at)} s ${m.label}` }));
  writeFileSync(
    join(dir, 'timeline.svg'),
    renderTimeline(report.title, slices, sliceMs, report.loadFrom, marks),
  );
  const verdict = (row: SummaryRow) => (row.met === undefined ? '' : row.met ? 'met' : '**missed**');
  const summary = [
    `# ${report.title}`,
    '',
    `\`${report.command}\`, ${new Date(report.startedAt).toISOString()}.`,
    '',
    '| measure | result | target | |',
    '|---|---|---|---|',
    ...report.rows.map((r) => `| ${r.measure} | ${r.result} | ${r.target} | ${verdict(r)} |`),
    '',
    ...report.notes.map((n) => `- ${n}`),
    '',
    '![timeline](timeline.svg)',
    '',
    `Events on the timeline, in seconds from the start of the load: ${marks.map((m) => m.label).join('; ')}.`,
    'Every request and its answer is in report.json.',
    '',
  ];
  writeFileSync(join(dir, 'summary.md'), summary.join('\n'));
  const relativeTime = (at: number) => at - report.loadFrom;
  const meta = {
    kind: report.kind,
    command: report.command,
    startedAt: new Date(report.startedAt).toISOString(),
    summary: report.rows,
    marks: report.marks.map((m) => ({ label: m.label, ms: relativeTime(m.at) })),
    ...report.data,
  };
  // One request a line (times in ms from the start of the load): thousands of them stay readable.
  const requests = report.ops.map((op) =>
    JSON.stringify({ ...op, startedAt: relativeTime(op.startedAt), endedAt: relativeTime(op.endedAt) }),
  );
  writeFileSync(
    join(dir, 'report.json'),
    `${JSON.stringify(meta, null, 1).replace(/\n}$/, `,\n "requests": [\n${requests.join(',\n')}\n ]\n}`)}\n`,
  );
  return dir;
}

export function describeDir(dir: string): string {
  const rel = relative(repoRoot, dir);
  return rel.startsWith('..') ? dir : rel;
}
