import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { Connection } from 'mysql2/promise';
import type { Databases, Row, Sql, SqlValue } from '../../app/src/ops.ts';
import { connect, type SearchShape, UsersRepository } from '../../app/src/ops.ts';
import { generateProcedure } from '../../toolkit/app/generate-procedure.ts';
import { createReporter } from '../../toolkit/procedure/reporter.ts';
import { Run } from '../../toolkit/procedure/run.ts';
import {
  examinedBetween,
  type HandlerCounters,
  handlerCounterNames,
  handlerCountersFrom,
  handlerCountersSql,
} from '../wrk/handler-counters.ts';
import { searchPrefixes } from '../wrk/prefixes.ts';
import { startBenchCluster } from './cluster.ts';

/** The session's handler counters, to take the difference of around a search. */
async function counters(conn: Connection): Promise<HandlerCounters> {
  const [rows] = await conn.query(handlerCountersSql, handlerCounterNames);
  return handlerCountersFrom(rows as Array<Record<string, unknown>>);
}

function sqlOn(conn: Connection): Sql {
  return {
    rows: async <T extends Row>(sql: string, values: SqlValue[] = []) =>
      (await conn.query(sql, values))[0] as T[],
    execute: async () => {
      throw new Error('read only');
    },
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

/**
 * What each search shape of UsersRepository.searchByNamePrefix reads and how long it takes, at each
 * table size: a throwaway master + 2 slaves, topped up size after size with the users generator,
 * 200 prefix pairs drawn as the WRK report draws them. Prints numbers; asserts that every shape
 * returned the same rows.
 */
export async function benchSearchShapes(sizes: number[], limit: number, searches = 200): Promise<void> {
  const { cluster, inventory, target } = await startBenchCluster();
  try {
    const { master } = inventory.mysql;
    const prefixes = searchPrefixes({ count: searches, seed: 1 });
    for (const size of sizes) {
      const run = new Run({
        runbook: 'bench',
        env: 'bench',
        dryRun: false,
        reporter: createReporter('json'),
      });
      try {
        await generateProcedure(
          run,
          { master: target, chat: target, host: master.name },
          {
            target: size,
            friendsPerUser: 0,
            postsPerUser: 0,
            dialogsPerUser: 0,
            chunkRows: 100_000,
            password: 'bench',
            deferIndex: true,
            seed: 42,
          },
        );
      } finally {
        await run.close();
      }
      const conn = await connect(target);
      try {
        await conn.query('ANALYZE TABLE `user`');
        const sql = sqlOn(conn);
        const repo = new UsersRepository({} as Databases);
        const shapes: SearchShape[] = ['single', 'expanded', 'auto'];
        const perShape = new Map(
          shapes.map((s) => [s, { examined: [] as number[], times: [] as number[], rows: 0 }]),
        );
        // One warm-up pass, then the measured ones.
        for (const shape of shapes)
          for (const p of prefixes) await repo.searchByNamePrefix(p.first, p.last, limit, { shape }, sql);
        for (const p of prefixes) {
          let answer: string | undefined;
          for (const shape of shapes) {
            const m = perShape.get(shape)!;
            // Interleaved and repeated, the fastest of five: the shapes share whatever else the machine does.
            let best = Number.POSITIVE_INFINITY;
            for (let r = 0; r < 5; r++) {
              const before = await counters(conn);
              const t0 = performance.now();
              const found = await repo.searchByNamePrefix(p.first, p.last, limit, { shape }, sql);
              best = Math.min(best, performance.now() - t0);
              const n = examinedBetween(before, await counters(conn));
              if (r > 0) continue;
              m.examined.push(n);
              m.rows += found.length;
              const key = JSON.stringify(found.map((row) => String(row.id)));
              if (answer !== undefined && answer !== key)
                throw new Error(`shape ${shape} answered ${p.first}/${p.last} differently`);
              answer = key;
            }
            m.times.push(best);
          }
        }
        const line = shapes.map((shape) => {
          const m = perShape.get(shape)!;
          const total = m.examined.reduce((a, b) => a + b, 0);
          const ms = m.times.reduce((a, b) => a + b, 0) / m.times.length;
          return `${shape}: ${(total / Math.max(m.rows, 1)).toFixed(1)} examined/row, median ${median(m.examined)}/search, ${ms.toFixed(3)} ms/search (median ${median(m.times).toFixed(3)})`;
        });
        // The second page of each search (keyset: after the first page's last row), in each shape.
        for (const shape of shapes) {
          const second: number[] = [];
          let rows = 0;
          for (const p of prefixes) {
            const page = await repo.searchByNamePrefix(p.first, p.last, limit, { shape }, sql);
            if (page.length < limit) continue;
            const last = page.at(-1)!;
            const after = { first_name: last.first_name, second_name: last.second_name, id: String(last.id) };
            const before = await counters(conn);
            rows += (await repo.searchByNamePrefix(p.first, p.last, limit, { shape, after }, sql)).length;
            second.push(examinedBetween(before, await counters(conn)));
          }
          const total = second.reduce((a, b) => a + b, 0);
          line.push(
            `${shape}, second pages (${second.length}): ${(total / Math.max(rows, 1)).toFixed(1)} examined/row, median ${median(second)}/search`,
          );
        }
        const [[stats]] = (await conn.query(
          "SELECT t.TABLE_ROWS AS table_rows, s.CARDINALITY AS names FROM information_schema.TABLES t JOIN information_schema.STATISTICS s ON s.TABLE_SCHEMA = t.TABLE_SCHEMA AND s.TABLE_NAME = t.TABLE_NAME WHERE t.TABLE_SCHEMA = DATABASE() AND t.TABLE_NAME = 'user' AND s.INDEX_NAME = 'user_name_prefix' AND s.SEQ_IN_INDEX = 1",
        )) as unknown as [[{ table_rows: number; names: number }]];
        process.stdout.write(
          `users ${size.toLocaleString('en-US')} (statistics: ${stats.table_rows} rows, ${stats.names} first names), LIMIT ${limit}, ${searches} searches:\n  ${line.join('\n  ')}\n`,
        );
      } finally {
        await conn.end();
      }
    }
  } finally {
    await cluster.stop();
  }
}

// node --import tsx app/benchmarks/search-shapes.ts [sizes=3000,30000,100000,300000,1000000] [limit=10]
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const sizes = (process.argv[2] ?? '3000,30000,100000,300000,1000000')
    .split(',')
    .map((s) => Number(s.replaceAll('_', '')));
  await benchSearchShapes(sizes, Number(process.argv[3] ?? 10));
}
