import { likePrefix } from '../../app/src/ops.ts';
import type { Inventory } from '../../toolkit/inventory/schema.ts';
import { MysqlSession } from '../../toolkit/mysql/session.ts';
import {
  examinedBetween,
  type HandlerCounters,
  handlerCounterNames,
  handlerCountersFrom,
  handlerCountersSql,
} from './handler-counters.ts';
import type { SearchPrefix } from './prefixes.ts';
import {
  appSearchSql,
  appSearchValues,
  distinctFirstNamesSql,
  expandedSearchSql,
  type QueryShape,
} from './search-query.ts';

/** What one query shape cost over a sample of searches, from the server's own handler counters. */
export interface ScanCost {
  shape: QueryShape;
  searches: number;
  /** Rows returned, summed over the sample. */
  rows: number;
  /** Index entries and rows the storage engine read (read_key + read_next + read_prev + read_rnd_next + ICP-rejected entries). */
  examined: number;
  examinedPerResult: number;
  /** Median of the searches' own examined counts: the typical search, not the sum. */
  medianExamined: number;
  statements: number;
  /** Pages the buffer pool had to read from disk (Innodb_buffer_pool_reads, the server's global counter) per search. */
  diskReadsPerSearch?: number;
}

export interface ExplainReport {
  /** The prefix the plans are shown for. */
  sample: SearchPrefix;
  /** EXPLAIN FORMAT=JSON of the app's statement. */
  explain: string;
  /** ANALYZE FORMAT=JSON of the app's statement (MariaDB): the plan with real row counts and times. */
  analyze?: string;
  /** EXPLAIN FORMAT=JSON of the expanded shape's second statement, when the index is there. */
  explainExpanded?: string;
  costs: ScanCost[];
}

async function diskReads(session: MysqlSession): Promise<number> {
  const rows = await session.query("SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_reads'");
  return Number(rows[0]?.Value ?? 0);
}

async function handlerCounters(session: MysqlSession): Promise<HandlerCounters> {
  return handlerCountersFrom(await session.query(handlerCountersSql, handlerCounterNames));
}

/**
 * EXPLAIN and ANALYZE of the search, and what each query shape really examines per row returned,
 * over the first `sampleSize` prefixes (on the master, as the admin, the index as it is now).
 */
export async function explainSearch(
  inventory: Inventory,
  prefixes: SearchPrefix[],
  limit: number,
  sampleSize: number,
  shapes: QueryShape[],
): Promise<ExplainReport> {
  const session = await MysqlSession.open(inventory.mysql.master, inventory.mysql.admin, { timeoutMs: 5000 });
  try {
    await session.exec('USE ??', [inventory.mysql.database]);
    const sample = prefixes[0]!;
    const explain = String(
      await session.value(`EXPLAIN FORMAT=JSON ${appSearchSql}`, appSearchValues(sample, limit)),
    );
    let analyze: string | undefined;
    if (session.flavor.version.kind === 'mariadb')
      analyze = String(
        await session.value(`ANALYZE FORMAT=JSON ${appSearchSql}`, appSearchValues(sample, limit)),
      );
    // Reading the counters reads some rows of its own: measured once and taken off every search.
    const a = await handlerCounters(session);
    const b = await handlerCounters(session);
    const overhead = examinedBetween(a, b, 0);
    const costs: ScanCost[] = [];
    let explainExpanded: string | undefined;
    for (const shape of shapes) {
      const perSearch: number[] = [];
      let rows = 0;
      let statements = 0;
      const readsBefore = await diskReads(session);
      for (const prefix of prefixes.slice(0, sampleSize)) {
        const before = await handlerCounters(session);
        let examined = 0;
        if (shape !== 'expanded') {
          rows += (await session.query(appSearchSql, appSearchValues(prefix, limit))).length;
          statements += 1;
          examined = examinedBetween(before, await handlerCounters(session), overhead);
        } else {
          const names = (await session.query(distinctFirstNamesSql, [likePrefix(prefix.first)])).map((r) =>
            String(r.first_name),
          );
          const middle = await handlerCounters(session);
          examined = examinedBetween(before, middle, overhead);
          statements += 1;
          if (names.length > 0) {
            const sql = expandedSearchSql(names.length);
            const values = [...names, likePrefix(prefix.last), limit];
            rows += (await session.query(sql, values)).length;
            statements += 1;
            examined += examinedBetween(middle, await handlerCounters(session), overhead);
            explainExpanded ??= String(await session.value(`EXPLAIN FORMAT=JSON ${sql}`, values));
          }
        }
        perSearch.push(examined);
      }
      const disk = (await diskReads(session)) - readsBefore;
      const examined = perSearch.reduce((x, y) => x + y, 0);
      perSearch.sort((x, y) => x - y);
      costs.push({
        shape,
        searches: perSearch.length,
        rows,
        examined,
        examinedPerResult: rows ? examined / rows : examined,
        medianExamined: perSearch[Math.floor(perSearch.length / 2)] ?? 0,
        statements,
        diskReadsPerSearch: perSearch.length ? disk / perSearch.length : 0,
      });
    }
    return { sample, explain, analyze, explainExpanded, costs };
  } finally {
    await session.close();
  }
}
