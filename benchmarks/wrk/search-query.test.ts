import type { Pool } from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import type { Databases, Sql, SqlValue } from '../../app/src/ops.ts';
import { searchSql, UsersRepository } from '../../app/src/ops.ts';
import { appSearchSql, appSearchValues, expandedSearchSql, runSearch } from './search-query.ts';

interface Sent {
  sql: string;
  values: SqlValue[];
}

/** Canned answers: big-table statistics, two first names, no users. */
function answer(sql: string): unknown[] {
  if (sql === searchSql.statistics) return [{ table_rows: '1000000', indexed: 1 }];
  if (sql === searchSql.distinctNames) return [{ names: '120' }];
  if (sql.startsWith('SELECT DISTINCT first_name')) return [{ first_name: 'Алла' }, { first_name: 'Алина' }];
  return [];
}

function capturingSql(sent: Sent[], respond = answer): Sql {
  return {
    rows: async <T>(sql: string, values: SqlValue[] = []) => {
      sent.push({ sql, values });
      return respond(sql) as T[];
    },
    execute: async () => {
      throw new Error('search must not write');
    },
  };
}

function capturingPool(sent: Sent[], respond = answer): Pick<Pool, 'query'> {
  const query = async (sql: string, values: SqlValue[] = []) => {
    sent.push({ sql, values });
    return [respond(sql), []];
  };
  return { query } as unknown as Pick<Pool, 'query'>;
}

describe('the DB-alone search', () => {
  it("sends word for word what the app's repository sends, with the same values (expanded on a big table)", async () => {
    const fromApp: Sent[] = [];
    const fromTool: Sent[] = [];
    // The repository only reaches the databases through the Sql it is handed here.
    const repo = new UsersRepository({} as Databases);
    await repo.searchByNamePrefix('Ал_', 'Се%', 10, {}, capturingSql(fromApp));
    await runSearch(capturingPool(fromTool), 'app', { first: 'Ал_', last: 'Се%' }, 10);
    expect(fromTool).toEqual(fromApp);
    expect(fromApp.map((s) => s.sql)).toEqual([
      searchSql.statistics,
      searchSql.distinctNames,
      searchSql.names(false),
      expandedSearchSql(2),
    ]);
    expect(fromApp[2]!.values).toEqual(['Ал\\_%']);
    expect(fromApp[3]!.values).toEqual(['Алла', 'Алина', 'Се\\%%', 10]);
  });

  it('sends the single statement, as the app does, when the table is small', async () => {
    const small = (sql: string) =>
      sql === searchSql.statistics
        ? [{ table_rows: '3000', indexed: 1 }]
        : sql === searchSql.distinctNames
          ? [{ names: '120' }]
          : [];
    const fromApp: Sent[] = [];
    const fromTool: Sent[] = [];
    await new UsersRepository({} as Databases).searchByNamePrefix(
      'Ал_',
      'Се%',
      10,
      {},
      capturingSql(fromApp, small),
    );
    await runSearch(capturingPool(fromTool, small), 'app', { first: 'Ал_', last: 'Се%' }, 10);
    expect(fromTool).toEqual(fromApp);
    expect(fromApp.at(-1)!.sql).toBe(appSearchSql);
    expect(fromApp.at(-1)!.values).toEqual(appSearchValues({ first: 'Ал_', last: 'Се%' }, 10));
    expect(fromApp.at(-1)!.values).toEqual(['Ал\\_%', 'Се\\%%', 10]);
  });

  it('reads the table statistics once per pool, not once per search', async () => {
    const sent: Sent[] = [];
    const pool = capturingPool(sent);
    await runSearch(pool, 'app', { first: 'А', last: 'Б' }, 10);
    await runSearch(pool, 'app', { first: 'В', last: 'Г' }, 10);
    expect(sent.filter((s) => s.sql === searchSql.statistics)).toHaveLength(1);
  });

  it('expands to one placeholder per first name', () => {
    expect(expandedSearchSql(3)).toContain('first_name IN (?, ?, ?) AND second_name LIKE ?');
  });
});
