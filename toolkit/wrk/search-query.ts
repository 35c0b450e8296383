import type { Pool } from 'mysql2/promise';
import { likePrefix } from '../../app/src/users/repository.ts';
import type { SearchPrefix } from './prefixes.ts';

/**
 * The statement app/src/users/repository.ts (searchByNamePrefix) sends for GET /user/search, word for
 * word (search-query.test.ts checks it against the repository): the DB-alone series must ask the
 * database exactly what the app asks.
 */
export const appSearchSql = `SELECT id, first_name, second_name, birthdate, gender, biography, city, email FROM \`user\`
       WHERE first_name LIKE ? AND second_name LIKE ?
       ORDER BY first_name, second_name, id LIMIT ?`;

export function appSearchValues(prefix: SearchPrefix, limit: number): [string, string, number] {
  return [likePrefix(prefix.first), likePrefix(prefix.last), limit];
}

/**
 * How a search is put to the database. `app`: the app's one statement, where only first_name is a
 * range of user_name_prefix and second_name is filtered inside that range (every index entry of the
 * first names that sort before the wanted surnames is read). `expanded`: first the distinct first
 * names of the prefix (a loose index scan, one entry per name), then one statement whose
 * `first_name IN (...) AND second_name LIKE ?` is a set of tight ranges on both columns, so MariaDB
 * reads about as many entries as it returns, in the same order.
 */
export type QueryShape = 'app' | 'expanded';

export const queryShapes: QueryShape[] = ['app', 'expanded'];

export const distinctFirstNamesSql =
  'SELECT DISTINCT first_name FROM `user` WHERE first_name LIKE ? ORDER BY first_name LIMIT 1000';

export function expandedSearchSql(names: number): string {
  return `SELECT id, first_name, second_name, birthdate, gender, biography, city, email FROM \`user\`
       WHERE first_name IN (${Array.from({ length: names }, () => '?').join(', ')}) AND second_name LIKE ?
       ORDER BY first_name, second_name, id LIMIT ?`;
}

type Runner = Pick<Pool, 'query'>;

/** One search of the given shape; returns the rows found. */
export async function runSearch(
  on: Runner,
  shape: QueryShape,
  prefix: SearchPrefix,
  limit: number,
): Promise<number> {
  if (shape === 'app') {
    const [rows] = await on.query(appSearchSql, appSearchValues(prefix, limit));
    return (rows as unknown[]).length;
  }
  const [names] = await on.query(distinctFirstNamesSql, [likePrefix(prefix.first)]);
  const list = (names as Array<{ first_name: string }>).map((r) => r.first_name);
  if (list.length === 0) return 0;
  // More names than the cap: the expansion would be incomplete, so the app's statement answers.
  if (list.length >= 1000) return runSearch(on, 'app', prefix, limit);
  const [rows] = await on.query(expandedSearchSql(list.length), [...list, likePrefix(prefix.last), limit]);
  return (rows as unknown[]).length;
}
