import { describe, expect, it } from 'vitest';
import type { Databases, Row, Sql, SqlValue } from '../platform/db.ts';
import { searchSql, UsersRepository } from './repository.ts';

/** A fake database: the statistics and the names count as given, every other statement recorded and empty. */
function fake(tableRows: number, indexed: number, names: number, sent: string[]): Sql {
  return {
    rows: async <T extends Row>(sql: string, _values: SqlValue[] = []) => {
      sent.push(sql);
      if (sql === searchSql.statistics) return [{ table_rows: String(tableRows), indexed }] as unknown as T[];
      if (sql === searchSql.distinctNames) return [{ names }] as unknown as T[];
      if (sql === searchSql.names(false)) return [{ first_name: 'Агата' }] as unknown as T[];
      return [];
    },
    execute: async () => {
      throw new Error('a search does not write');
    },
  };
}

describe('the auto search shape', () => {
  it('expands on ten million users over 117 names, whatever the index statistics say', async () => {
    const sent: string[] = [];
    await new UsersRepository({} as Databases).searchByNamePrefix(
      'Аг',
      'По',
      10,
      {},
      fake(10_000_000, 1, 117, sent),
    );
    expect(sent).toEqual([
      searchSql.statistics,
      searchSql.distinctNames,
      searchSql.names(false),
      searchSql.expanded(1, false),
    ]);
  });

  it('keeps the single statement on a small table, and without the index counts no names', async () => {
    const small: string[] = [];
    await new UsersRepository({} as Databases).searchByNamePrefix(
      'Аг',
      'По',
      10,
      {},
      fake(50_000, 1, 117, small),
    );
    expect(small).toEqual([searchSql.statistics, searchSql.distinctNames, searchSql.single(false)]);
    const noIndex: string[] = [];
    await new UsersRepository({} as Databases).searchByNamePrefix(
      'Аг',
      'По',
      10,
      {},
      fake(10_000_000, 0, 117, noIndex),
    );
    expect(noIndex).toEqual([searchSql.statistics, searchSql.single(false)]);
  });
});
