import { setTimeout as sleep } from 'node:timers/promises';
import type { MysqlSession } from '../../mysql/session.ts';
import type { Run } from '../../procedure/run.ts';
import { appPort } from '../app-component.ts';
import { type LoadResult, MixedLoad } from './load.ts';
import { type FeedFigures, feedFigures } from './measure.ts';
import type { DrillOptions, DrillReport, SummaryRow } from './report.ts';
import { findLostWrites, type LostWrites } from './verify.ts';

/** Where a drill looks up the writes the app acknowledged, once the load has stopped. */
export interface WritesMaster {
  name: string;
  session: MysqlSession;
  database: string;
}

/** What the load saw around the fault, for the drill's report. */
export interface LoadOutcome<Fault> {
  fault: Fault;
  result: LoadResult;
  loadTo: number;
  feed: FeedFigures;
  lost: LostWrites;
  /** The report's row for `lost`, the same in every drill. */
  lostRow: SummaryRow;
  /** The report's row for `lost.duplicates` (a write that ran twice), the same in every drill. */
  duplicatesRow: SummaryRow;
}

/** A fault under the mixed load: what it does, where its writes are checked, and what it reports. */
export interface FaultUnderLoad<Fault> {
  kind: DrillReport['kind'];
  startedAt: number;
  /** The fault and what follows it, paced from `loadFrom`; the frame keeps the load on to the drill's end. */
  inflict(loadFrom: number): Promise<Fault>;
  master(fault: Fault): Promise<WritesMaster>;
  report(
    outcome: LoadOutcome<Fault>,
  ): Promise<Pick<DrillReport, 'title' | 'rows' | 'notes' | 'marks' | 'data'>>;
}

/**
 * The frame of the failover and app-instance drills: the mixed load through nginx starts and runs a
 * quarter of the drill (at least 3 s), the fault comes, the load runs to the drill's end (at least 2 s
 * more), stops, and every write the app acknowledged is looked up on the master row by row.
 */
export async function drillUnderLoad<Fault>(
  run: Run,
  options: DrillOptions,
  drill: FaultUnderLoad<Fault>,
): Promise<DrillReport> {
  const load = new MixedLoad(appPort());
  // A drill that fails half-way still ends its load.
  run.onClose(async () => {
    await load.stop();
  });
  await run.action('load started', 'nginx', 'mixed load through nginx', async () => {
    await load.start();
    return `3 writers (posts, every fifth a registration), 3 readers, a WebSocket feed, through 127.0.0.1:${appPort()}`;
  });
  const loadFrom = Date.now();
  // The load runs a quarter of the drill (at least 3 s) before the fault, so the timeline has a "before".
  await sleep(Math.max(3000, options.durationMs / 4));
  const fault = await drill.inflict(loadFrom);
  await sleep(Math.max(2000, loadFrom + options.durationMs - Date.now()));
  const result = await load.stop();
  const loadTo = Date.now();

  const feed = feedFigures(result.feed, result.ops, loadTo);
  const master = await drill.master(fault);
  let lost: LostWrites = { acknowledged: 0, missing: [], different: [], duplicates: [] };
  await run.check('acknowledged writes', master.name, async () => {
    lost = await findLostWrites(master.session, master.database, result);
    return `${lost.acknowledged} acknowledged, ${lost.missing.length} missing, ${lost.different.length} different, ${lost.duplicates.length} stored twice`;
  });
  const lostCount = lost.missing.length + lost.different.length;
  const lostRow: SummaryRow = {
    measure: 'acknowledged writes lost (row by row)',
    result: `${lostCount} of ${lost.acknowledged}`,
    target: '0',
    met: lostCount === 0,
  };
  // A POST sent again (http.ts call) carries its Idempotency-Key, so the app runs it once.
  const duplicatesRow: SummaryRow = {
    measure: 'writes stored twice (texts of the run counted)',
    result: String(lost.duplicates.length),
    target: '0',
    met: lost.duplicates.length === 0,
  };
  const report = await drill.report({ fault, result, loadTo, feed, lost, lostRow, duplicatesRow });
  return {
    kind: drill.kind,
    command: options.command,
    startedAt: drill.startedAt,
    ...report,
    ops: result.ops,
    loadFrom,
    loadTo,
  };
}

/** The report's row for the WebSocket feed; `aside` says what the drill's fault does to it. */
export function feedRow(outcome: LoadOutcome<unknown>, aside = ''): SummaryRow {
  const acknowledgedPosts = outcome.result.ops.filter((o) => o.kind === 'post' && o.id).length;
  return {
    measure: 'WebSocket feed',
    result: `${outcome.feed.deliveredAcknowledged} of ${acknowledgedPosts} acknowledged posts delivered live, ${outcome.feed.drops} drops${aside}`,
    target: '',
  };
}
