import { describe, expect, it } from 'vitest';
import type { Databases, Sql, SqlValue } from '../../app/src/platform/db.ts';
import { UsersRepository } from '../../app/src/users/repository.ts';
import { appSearchSql, appSearchValues, expandedSearchSql } from './search-query.ts';

describe('the DB-alone search statement', () => {
  it("is word for word the one the app's repository sends, with the same values", async () => {
    const sent: Array<{ sql: string; values: SqlValue[] }> = [];
    const capture: Sql = {
      rows: async (sql, values = []) => {
        sent.push({ sql, values });
        return [];
      },
      execute: async () => {
        throw new Error('search must not write');
      },
    };
    // The repository only reaches the databases through the Sql it is handed here.
    const repo = new UsersRepository({} as Databases);
    await repo.searchByNamePrefix('Ал_', 'Се%', 10, capture);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.sql).toBe(appSearchSql);
    expect(sent[0]!.values).toEqual(appSearchValues({ first: 'Ал_', last: 'Се%' }, 10));
    expect(sent[0]!.values).toEqual(['Ал\\_%', 'Се\\%%', 10]);
  });

  it('expands to one placeholder per first name', () => {
    expect(expandedSearchSql(3)).toContain('first_name IN (?, ?, ?) AND second_name LIKE ?');
  });
});
