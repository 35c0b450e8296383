import { bestOf } from './best.ts';
import type { ReportData } from './report-data.ts';
import { type PointErrors, totalErrors } from './results.ts';
import { limitIds, type SeriesResult } from './series.ts';
import { type ChartLine, lineChart } from './svg.ts';
import { judgeTargets } from './targets.ts';

const num = (n: number, digits = 0): string =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : '–';

/** Latency in ms with sensible precision: 0.84, 12.3, 1,390. */
export function ms(n: number): string {
  if (!Number.isFinite(n)) return '–';
  if (n < 10) return num(n, 2);
  if (n < 100) return num(n, 1);
  return num(n, 0);
}

function errorCell(e: PointErrors): string {
  const total = totalErrors(e);
  if (total === 0) return '0';
  const parts = (['connect', 'read', 'write', 'status', 'timeout'] as const)
    .filter((k) => e[k] > 0)
    .map((k) => `${k === 'status' ? 'non-2xx' : k} ${e[k]}`);
  return `**${total}** (${parts.join(', ')})`;
}

/** The results table: one row per series and connection count; app rows say what fraction of the DB alone they reach. */
export function resultsTable(data: ReportData): string {
  const byId = new Map(data.series.map((s) => [s.spec.id, s]));
  const rows = [
    '| series | conns | req/s | p50 ms | p90 ms | p99 ms | errors | unanswered at end | of best DB alone |',
    '|---|--:|--:|--:|--:|--:|---|--:|--:|',
  ];
  for (const series of data.series) {
    if (series.points.length === 0)
      rows.push(`| ${series.spec.label} | | | | | | ${series.note ?? 'not run'} | | |`);
    for (const point of series.points) {
      const r = point.result;
      if (!r) {
        rows.push(
          `| ${series.spec.label} | ${point.connections} | | | | | **failed**: ${point.failure ?? '?'} | | |`,
        );
        continue;
      }
      const limit = bestOf(
        limitIds(series.spec).map((id) => byId.get(id)),
        point.connections,
      );
      const ratio = limit && limit.rps > 0 ? num(r.rps / limit.rps, 2) : '';
      rows.push(
        `| ${series.spec.label} | ${point.connections} | ${num(r.rps)}${point.rounds ? ` (rounds: ${point.rounds.map((x) => num(x)).join(' / ')})` : ''} | ${ms(r.p50Ms)} | ${ms(r.p90Ms)} | ${ms(r.p99Ms)} | ${errorCell(r.errors)} | ${r.unanswered === undefined ? '' : num(r.unanswered)} | ${ratio} |`,
      );
    }
  }
  return rows.join('\n');
}

function lines(
  series: SeriesResult[],
  value: (s: SeriesResult, c: number) => number | undefined,
): ChartLine[] {
  return series.map((s) => ({
    name: s.spec.label,
    dashed: s.spec.driver === 'db',
    group: `${s.spec.reads}-${s.spec.backend}-${s.spec.shape}`,
    points: s.points.flatMap((p) => {
      const v = value(s, p.connections);
      return v === undefined ? [] : [[p.connections, v] as [number, number]];
    }),
  }));
}

/** The charts of a report: throughput and p99 latency against connections, with and without the index. */
export function charts(data: ReportData): Record<string, string> {
  const out: Record<string, string> = {};
  for (const index of [true, false]) {
    const series = data.series.filter((s) => s.spec.index === index);
    if (series.length === 0) continue;
    const suffix = index ? 'index' : 'noindex';
    const when = index ? 'with the index' : 'without the index';
    const point = (s: SeriesResult, c: number) => s.points.find((p) => p.connections === c)?.result;
    out[`throughput-${suffix}.svg`] = lineChart({
      title: `Search throughput ${when}`,
      xLabel: 'connections',
      yLabel: 'req/s',
      lines: lines(series, (s, c) => point(s, c)?.rps),
    });
    out[`latency-${suffix}.svg`] = lineChart({
      title: `Search p99 latency ${when}`,
      xLabel: 'connections',
      yLabel: 'p99 ms',
      lines: lines(series, (s, c) => point(s, c)?.p99Ms),
    });
  }
  return out;
}

const cores = (n: number | undefined): string => (n === undefined ? '' : num(n, 2));

/** Cores each party used per point: the app's single Node thread, the MySQL servers, the load tool, the rest (wrk, others). */
export function cpuTable(data: ReportData): string {
  const byId = new Map(data.series.map((s) => [s.spec.id, s]));
  const rows = [
    '| series | conns | app | MySQL servers | load tool | wrk | rest (others) | machine | CPU ms per answer (ours) | of best DB alone, by CPU |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const series of data.series)
    for (const point of series.points) {
      const c = point.cpu;
      if (!c) continue;
      const db = series.spec.driver === 'db';
      const rest =
        c.machine === undefined
          ? undefined
          : Math.max(0, c.machine - (c.app ?? 0) - (c.mysql ?? 0) - c.self - (db ? 0 : (c.client ?? 0)));
      const own = cpuPerAnswer(series, point.connections);
      const limits = limitIds(series.spec)
        .map((id) => cpuPerAnswer(byId.get(id), point.connections))
        .filter((x): x is number => x !== undefined);
      const best = limits.length ? Math.min(...limits) : undefined;
      rows.push(
        `| ${series.spec.label} | ${point.connections} | ${cores(c.app)} | ${cores(c.mysql)} | ${db ? cores(c.self) : ''} | ${db ? '' : cores(c.client)} | ${cores(rest)} | ${cores(c.machine)} | ${own === undefined ? '' : num(own, 2)} | ${own && best ? num(best / own, 2) : ''} |`,
      );
    }
  return rows.join('\n');
}

/**
 * CPU milliseconds our own processes spent per answer at that point: the app, MySQL and wrk for an
 * app series; the load tool and MySQL for the database alone. Unlike req/s it does not depend on how
 * much of the machine other work took, so it compares series measured minutes apart on a busy machine.
 */
export function cpuPerAnswer(series: SeriesResult | undefined, connections: number): number | undefined {
  const point = series?.points.find((p) => p.connections === connections);
  const c = point?.cpu;
  const r = point?.result;
  if (!series || !c || !r || r.requests === 0 || c.mysql === undefined) return undefined;
  const cores =
    series.spec.driver === 'db'
      ? c.self + c.mysql
      : c.app === undefined || c.client === undefined
        ? undefined
        : c.app + c.mysql + c.client;
  return cores === undefined ? undefined : (cores * r.durationS * 1000) / r.requests;
}

/**
 * The serving process's own CPU per answer in each series we start (the app, or the HTTP floor's
 * server): beside the floor, what the app adds to what any Node server (bare, then with the app's HTTP
 * layer) spends on an answer here. Undefined when the report has no floor series.
 */
export function processCostTable(data: ReportData): string | undefined {
  if (!data.series.some((s) => s.spec.floor)) return undefined;
  const rows = [
    '| series | conns | req/s | process cores | process CPU ms per answer |',
    '|---|--:|--:|--:|--:|',
  ];
  for (const series of data.series.filter((s) => s.spec.driver === 'app'))
    for (const point of series.points) {
      const r = point.result;
      const app = point.cpu?.app;
      if (!r || app === undefined || r.requests === 0) continue;
      rows.push(
        `| ${series.spec.label} | ${point.connections} | ${num(r.rps)} | ${cores(app)} | ${num((app * r.durationS * 1000) / r.requests, 3)} |`,
      );
    }
  return rows.join('\n');
}

export function targetsTable(data: ReportData): string {
  const rows = ['| target | measured | verdict |', '|---|---|---|'];
  for (const t of judgeTargets(data))
    rows.push(
      `| ${t.target} | ${t.measured} | ${t.met === undefined ? '–' : t.met ? 'met' : '**missed**'} |`,
    );
  return rows.join('\n');
}

export function costTable(data: ReportData): string {
  const rows = [
    '| index | query shape | searches | rows returned | rows examined | examined per row returned | median examined per search | statements | disk reads per search |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const q of data.queryCosts)
    for (const c of q.costs)
      rows.push(
        `| ${q.index ? 'yes' : 'no'} | ${c.shape} | ${c.searches} | ${num(c.rows)} | ${num(c.examined)} | ${num(c.examinedPerResult, 1)} | ${num(c.medianExamined)} | ${c.statements} | ${c.diskReadsPerSearch === undefined ? '' : num(c.diskReadsPerSearch, 2)} |`,
      );
  return rows.join('\n');
}

/** The report's summary.md, from its results.json alone. */
export function renderSummary(data: ReportData, chartFiles: string[]): string {
  const m = data.machine;
  const s = data.settings;
  const files = data.queryCosts.flatMap((q) => q.files);
  return [
    `# WRK report: user search, ${data.startedAt.slice(0, 16).replace('T', ' ')} UTC`,
    '',
    `Command: \`${data.command}\` (environment \`${data.env}\`${s.quick ? ', quick mode: a pipeline check, not a measurement' : ''}).`,
    '',
    `Machine: ${m.cpus} × ${m.cpuModel}, ${num(m.memoryGiB, 0)} GiB, ${m.os}; Node ${m.node}, ${m.wrk}, ${m.mysql}. ` +
      `Load average (1 min) ${num(m.loadBefore, 2)} before, ${m.loadAfter === undefined ? '?' : num(m.loadAfter, 2)} after: ` +
      'everything (wrk, the app, the database) shares these cores.' +
      (data.benchmarks?.httpCeiling
        ? ` HTTP ceiling of one Node process here: ${num(data.benchmarks.httpCeiling.rps)} req/s (a hello-world answering the same wrk script at ${data.benchmarks.httpCeiling.connections} connections).`
        : ''),
    '',
    `Data: ${num(data.users.count)} users${data.users.generated ? ` (${num(data.users.generated.added)} generated in this run in ${num(data.users.generated.seconds, 1)} s)` : ''}. ` +
      `Each point: ${s.durationS} s, wrk \`--timeout ${s.timeoutS}s\`, ${num(s.prefixes)} prefix pairs (seed ${s.prefixSeed}) drawn from the generator's name lists, \`limit=${s.limit}\`. ` +
      `App: our own instance per series (pool ${s.appPoolSize} per server, log level ${s.appLogLevel}). ` +
      `MySQL alone: the app's statement through mysql2, one caller per connection, at most ${s.dbMaxConnections} connections per server (callers beyond wait in the pool), ` +
      `statements stopped by the server after ${s.timeoutS} s (counted as timeouts). req/s counts successful answers only. ` +
      '"Unanswered at end": requests wrk sent that had no answer when the point ended; wrk keeps one request per connection ' +
      'in flight, so up to one per connection is normal, but wrk counts a timeout only for an answer that came late: a request ' +
      'that never got one shows only here (a point with fewer answers than connections had most of them stuck).',
    '',
    '## Results',
    '',
    resultsTable(data),
    '',
    '## Where the CPU went (cores)',
    '',
    `CPU seconds per second of each party during each point, from /proc; the machine has ${m.cpus}. ` +
      "The app is one Node process: one thread does the HTTP, the JSON and mysql2's parsing, so about 1 core is its ceiling. " +
      'The load tool (MySQL alone) runs inside the report process; "rest" is wrk and anything else running here.',
    '',
    cpuTable(data),
    '',
    ...processCostOf(data),
    '## Targets',
    '',
    targetsTable(data),
    '',
    '## What the query examines',
    '',
    'Handler counters of the server (read_key + read_next + read_prev + read_rnd_next + entries index condition pushdown rejected) ' +
      "around each search of a sample, on the master, and the buffer pool's reads from disk (Innodb_buffer_pool_reads) over the sample. `single` (`app` in older reports) is the one statement; `expanded` first reads the distinct first names " +
      'of the prefix (a loose index scan) and then asks for `first_name IN (...) AND second_name LIKE ?`, tight ranges on both columns.',
    '',
    costTable(data),
    '',
    `Plans: ${files.map((f) => `[${f}](${f})`).join(', ')}.`,
    '',
    '## Charts',
    '',
    ...chartFiles.map((f) => `![${f}](${f})`),
    '',
    ...(data.notes.length ? ['## Notes', '', ...data.notes.map((n) => `- ${n}`), ''] : []),
    'Raw wrk outputs and app logs: `raw/` (kept locally, not committed).',
    '',
  ].join('\n');
}

function processCostOf(data: ReportData): string[] {
  const table = processCostTable(data);
  if (!table) return [];
  return [
    '## The serving process alone: the HTTP floor',
    '',
    'CPU of the one process that answers (our app instance, or the HTTP floor: a bare Node server, then the ' +
      "app's own fastify layer and search route, both answering a fixed page of ten users with no database) per " +
      "answer (user and system time: the kernel's work in its own system calls counts; what the kernel does " +
      'outside them, in interrupts, falls in the CPU table\'s "rest"). The floor is what HTTP costs here whatever the app does.',
    '',
    table,
    '',
  ];
}
