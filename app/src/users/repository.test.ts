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

  it('reads the statistics once for a hundred searches at once, and keeps the old value while reading anew', async () => {
    const sent: string[] = [];
    let now = 1_000_000;
    const realNow = Date.now;
    Date.now = () => now;
    try {
      const repo = new UsersRepository({} as Databases, { firstNamesTtlMs: 0 });
      const db = fake(10_000_000, 1, 117, sent);
      await Promise.all(Array.from({ length: 100 }, () => repo.searchByNamePrefix('Аг', 'По', 10, {}, db)));
      expect(sent.filter((s) => s === searchSql.statistics)).toHaveLength(1);
      expect(sent.filter((s) => s === searchSql.distinctNames)).toHaveLength(1);
      expect(sent.filter((s) => s === searchSql.expanded(1, false))).toHaveLength(100);
      now += 60_001;
      sent.length = 0;
      // The new reading never comes back: the search goes on with the value it had all the same.
      const stuck: Sql = {
        ...db,
        rows: (sql, values) => (sql === searchSql.statistics ? new Promise(() => {}) : db.rows(sql, values)),
      };
      await repo.searchByNamePrefix('Аг', 'По', 10, {}, stuck);
      expect(sent).toEqual([searchSql.names(false), searchSql.expanded(1, false)]);
    } finally {
      Date.now = realNow;
    }
  });
});
