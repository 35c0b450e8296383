import type { Pool } from 'mysql2/promise';
import type { Databases, Row, Sql, SqlValue } from '../../app/src/ops.ts';
import { likePrefix, type SearchShape, searchSql, UsersRepository } from '../../app/src/ops.ts';
import type { SearchPrefix } from './prefixes.ts';

/**
 * The app's single search statement (app/src/users/repository.ts, searchByNamePrefix's `single`
 * shape), word for word: the one it sends where expanding does not pay, and the one EXPLAIN shows.
 */
export const appSearchSql = searchSql.single(false);

export function appSearchValues(prefix: SearchPrefix, limit: number): [string, string, number] {
  return [likePrefix(prefix.first), likePrefix(prefix.last), limit];
}

/**
 * How a search is put to the database, always by the app's own repository code over the pool.
 * `app`: exactly what the app sends for GET /user/search (its `auto` choice). `single`: the one
 * statement always. `expanded`: the distinct first names of the prefix first, then `first_name IN
 * (...) AND second_name LIKE ?` (still falling back to the single statement for a thousand names or more).
 */
export type QueryShape = 'app' | 'single' | 'expanded';

export const queryShapes: QueryShape[] = ['app', 'single', 'expanded'];

/** The expanded shape's first statement: the distinct first names of the prefix (a loose index scan). */
export const distinctFirstNamesSql = searchSql.names(false);

/** The expanded shape's second statement, with one placeholder per first name. */
export function expandedSearchSql(names: number): string {
  return searchSql.expanded(names, false);
}

type Runner = Pick<Pool, 'query'>;

/** The repository reaches the database only through the Sql it is handed; this one is the pool. */
function sqlOn(runner: Runner): Sql {
  return {
    rows: async <T extends Row>(sql: string, values: SqlValue[] = []) =>
      (await runner.query(sql, values))[0] as T[],
    execute: async () => {
      throw new Error('a search does not write');
    },
  };
}

/** One repository per pool, so its cached table statistics are read once a minute, as in the app. */
const repositories = new WeakMap<Runner, { repo: UsersRepository; sql: Sql }>();

/** One search of the given shape, issued by the app's own repository code; returns the rows found. */
export async function runSearch(
  on: Runner,
  shape: QueryShape,
  prefix: SearchPrefix,
  limit: number,
): Promise<number> {
  let entry = repositories.get(on);
  if (!entry) {
    entry = { repo: new UsersRepository({} as Databases), sql: sqlOn(on) };
    repositories.set(on, entry);
  }
  const repoShape: SearchShape = shape === 'app' ? 'auto' : shape;
  const rows = await entry.repo.searchByNamePrefix(
    prefix.first,
    prefix.last,
    limit,
    { shape: repoShape },
    entry.sql,
  );
  return rows.length;
}
