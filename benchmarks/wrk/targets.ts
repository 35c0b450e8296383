import { bestOf } from './best.ts';
import type { ReportData } from './report-data.ts';
import { totalErrors } from './results.ts';
import { limitIds, type SeriesResult } from './series.ts';

export interface TargetVerdict {
  target: string;
  measured: string;
  /** true met, false missed, undefined not measured in this run. */
  met?: boolean;
}

function at(series: SeriesResult | undefined, connections: number) {
  return series?.points.find((p) => p.connections === connections)?.result;
}

const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** The targets, judged on this run's numbers (at 100 connections; a run without that point judges nothing). */
export function judgeTargets(data: ReportData): TargetVerdict[] {
  const byId = new Map(data.series.map((s) => [s.spec.id, s]));
  const out: TargetVerdict[] = [];
  for (const [appId, share] of [
    ['app-master', 0.85],
    ['app-slaves', 0.8],
  ] as const) {
    const appSeries = byId.get(appId);
    const app = at(appSeries, 100);
    const limits = appSeries ? limitIds(appSeries.spec) : [];
    const db = bestOf(
      limits.map((id) => byId.get(id)),
      100,
    );
    const dbId = limits.find((id) => at(byId.get(id), 100) === db) ?? 'the database alone';
    const target = `${appId} at 100 connections: ≥ ${share} of the best database-alone shape (${limits.join(' or ') || '–'}), p99 < 100 ms, no errors`;
    if (!app || !db) {
      out.push({ target, measured: 'no 100-connection point in this run' });
      continue;
    }
    const ratio = db.rps > 0 ? app.rps / db.rps : 0;
    const errors = totalErrors(app.errors);
    out.push({
      target,
      measured: `${fmt(app.rps)} of ${fmt(db.rps)} req/s (${dbId}) = ${fmt(ratio, 2)}, p99 ${fmt(app.p99Ms, 1)} ms, ${errors} errors`,
      met: ratio >= share && app.p99Ms < 100 && errors === 0,
    });
  }
  const front = at(byId.get('env-nginx'), 100);
  const instance = at(byId.get('env-instance'), 100);
  if (front && instance)
    out.push({
      target:
        "through nginx (two instances) vs one instance direct, the environment's app at 100 connections",
      measured: `${fmt(front.rps)} vs ${fmt(instance.rps)} req/s = ${fmt(instance.rps > 0 ? front.rps / instance.rps : 0, 2)}×, p99 ${fmt(front.p99Ms, 1)} vs ${fmt(instance.p99Ms, 1)} ms`,
    });
  const tarantool = at(byId.get('app-tarantool'), 100);
  const mysqlBest = Math.max(
    at(byId.get('app-master'), 100)?.rps ?? 0,
    at(byId.get('app-slaves'), 100)?.rps ?? 0,
  );
  out.push(
    tarantool && mysqlBest > 0
      ? {
          target: 'Tarantool search ≥ 2× the MySQL search (app, 100 connections)',
          measured: `${fmt(tarantool.rps)} vs ${fmt(mysqlBest)} req/s = ${fmt(tarantool.rps / mysqlBest, 2)}×`,
          met: tarantool.rps >= 2 * mysqlBest,
        }
      : {
          target: 'Tarantool search ≥ 2× the MySQL search (app, 100 connections)',
          measured: byId.has('app-tarantool') ? 'no 100-connection point' : 'no Tarantool series in this run',
        },
  );
  const noIndex = byId.get('app-master-noindex');
  if (noIndex) {
    const errors = noIndex.points.map((p) =>
      p.result
        ? `${p.connections} conns: ${fmt(p.result.requests)} answered, ${totalErrors(p.result.errors)} errors (timeouts ${p.result.errors.timeout}), ${fmt(p.result.unanswered ?? 0)} unanswered at end`
        : `${p.connections}: ${p.failure}`,
    );
    out.push({
      target: 'without the index, errors and timeouts shown (per connection count)',
      measured: errors.join('; '),
    });
  }
  const bench = data.benchmarks?.generateUsers;
  const generated = data.users.generated;
  const target = 'generate-users 1,000,000 under 60 s';
  if (bench && bench.users >= 1_000_000)
    out.push({
      target,
      measured: `${fmt(bench.users)} users in ${fmt(bench.seconds, 1)} s (scripts/bench-generate-users.mjs, a fresh cluster)`,
      met: bench.seconds < 60,
    });
  else if (generated && generated.added >= 1_000_000)
    out.push({
      target,
      measured: `${fmt(generated.added)} users in ${fmt(generated.seconds, 1)} s (this run's top-up)`,
      met: generated.seconds < 60,
    });
  else
    out.push({
      target,
      measured: bench
        ? `${fmt(bench.users)} users in ${fmt(bench.seconds, 1)} s (not a million)`
        : generated
          ? `${fmt(generated.added)} users in ${fmt(generated.seconds, 1)} s (not a million: see scripts/bench.mjs)`
          : 'the users were already there (scripts/bench.mjs measures it)',
    });
  const ch = data.benchmarks?.clickhouse;
  out.push(
    ch
      ? {
          target: 'ClickHouse load ≥ 200,000 rows/s',
          measured: `${fmt(ch.rows)} rows in ${fmt(ch.seconds, 1)} s = ${fmt(ch.rows / ch.seconds)}/s`,
          met: ch.rows / ch.seconds >= 200_000,
        }
      : {
          target: 'ClickHouse load ≥ 200,000 rows/s',
          measured: 'not measured in this run (scripts/bench.mjs runs it when it exists)',
        },
  );
  return out;
}
