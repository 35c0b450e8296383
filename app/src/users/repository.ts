import type { Databases, Sql, SqlValue } from '../platform/db.ts';
import { FirstNamesCache } from './first-names-cache.ts';

export interface UserRow {
  id: string;
  first_name: string;
  second_name: string;
  birthdate: string | null;
  gender: 'male' | 'female' | null;
  biography: string | null;
  city: string | null;
  email: string | null;
  [key: string]: unknown;
}

export interface NewUser {
  first_name: string;
  second_name: string;
  birthdate: string;
  gender: 'male' | 'female' | null;
  biography: string;
  city: string;
  email: string | null;
  password_hash: string;
}

const columns = 'id, first_name, second_name, birthdate, gender, biography, city, email';

/** Escapes LIKE's own wildcards, so a prefix is matched literally. */
export function likePrefix(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Where a page of search results ends: the next page starts after it, in index order. */
export interface NameCursor {
  first_name: string;
  second_name: string;
  id: string;
}

export type SearchShape = 'auto' | 'single' | 'expanded';

/** The expansion is used for fewer distinct first names than this (and its name query stops here). */
export const maxExpandedNames = 1000;
/** Rows per distinct first name from which the expanded shape pays (measured: docs/app.md). */
export const expandFromRowsPerName = 1000;

const order = 'ORDER BY first_name, second_name, id LIMIT ?';
/** After the cursor, in index order; written out (not a row comparison) so it stays a range of the index. */
const afterCursor =
  'AND (first_name > ? OR first_name = ? AND (second_name > ? OR second_name = ? AND id > ?))';

// The id as a number: a BIGINT compared with a string would be compared as a double.
const keyset = (after: NameCursor | undefined): SqlValue[] =>
  after ? [after.first_name, after.first_name, after.second_name, after.second_name, BigInt(after.id)] : [];

/** The search's statements, word for word (benchmarks/wrk/search-query.ts issues the same). */
export const searchSql = {
  single: (after: boolean) =>
    `SELECT ${columns} FROM \`user\` WHERE first_name LIKE ? AND second_name LIKE ? ${after ? `${afterCursor} ` : ''}${order}`,
  names: (after: boolean) =>
    `SELECT DISTINCT first_name FROM \`user\` WHERE first_name LIKE ? ${after ? 'AND first_name >= ? ' : ''}ORDER BY first_name LIMIT ${maxExpandedNames}`,
  /**
   * One placeholder per first name. The names are the distinct values of the rows that match the
   * first-name LIKE, compared with the same collation, so `first_name IN (...)` keeps exactly those rows.
   */
  expanded: (names: number, after: boolean) =>
    `SELECT ${columns} FROM \`user\` WHERE first_name IN (${Array.from({ length: names }, () => '?').join(', ')}) AND second_name LIKE ? ${after ? `${afterCursor} ` : ''}${order}`,
  /** The table's row estimate and whether the name index is there (no index: no expansion, and no names count). */
  statistics: `SELECT t.TABLE_ROWS AS table_rows,
      (SELECT COUNT(*) FROM information_schema.STATISTICS s
        WHERE s.TABLE_SCHEMA = t.TABLE_SCHEMA AND s.TABLE_NAME = t.TABLE_NAME
          AND s.INDEX_NAME = 'user_name_prefix' AND s.SEQ_IN_INDEX = 1) AS indexed
    FROM information_schema.TABLES t WHERE t.TABLE_SCHEMA = DATABASE() AND t.TABLE_NAME = 'user'`,
  /**
   * The distinct first names, counted by a loose index scan of user_name_prefix (one entry per name,
   * capped). Not the index's CARDINALITY: InnoDB's sampled estimate said 48,521 first names for 117 on
   * 10,000,000 users (reports/perf/, the scale curve), which kept the wasteful single statement there.
   */
  distinctNames: `SELECT COUNT(*) AS names FROM (SELECT DISTINCT first_name FROM \`user\` LIMIT 100000) n`,
};

/**
 * How long the expanded search keeps a prefix's distinct first names (FirstNamesCache): short, since a
 * first name new to the table written through another instance is found only after it.
 */
export const firstNamesTtlMs = 2000;

export interface UsersRepositoryOptions {
  /** FirstNamesCache's time to live; 0 asks the names anew for every search. */
  firstNamesTtlMs?: number;
}

export class UsersRepository {
  private density: { value: number; until: number } | undefined;
  private densityReading: Promise<number> | undefined;
  private readonly firstNames: FirstNamesCache;

  constructor(
    private readonly db: Databases,
    options: UsersRepositoryOptions = {},
  ) {
    this.firstNames = new FirstNamesCache(options.firstNamesTtlMs ?? firstNamesTtlMs);
  }

  async insert(user: NewUser): Promise<string> {
    const result = await this.db.write.execute(
      'INSERT INTO `user` (first_name, second_name, birthdate, gender, biography, city, email, password_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      [
        user.first_name,
        user.second_name,
        user.birthdate,
        user.gender,
        user.biography,
        user.city,
        user.email,
        user.password_hash,
      ],
    );
    // Its first name may be new to the table: searches from here must not miss it (FirstNamesCache).
    this.firstNames.clear();
    return String(result.insertId);
  }

  /**
   * From a slave; a miss is asked of the master too, since a user registered a moment ago may not
   * have reached the slave yet (misses are rare, lag is not).
   */
  async findById(id: string): Promise<UserRow | undefined> {
    const sql = `SELECT ${columns} FROM \`user\` WHERE id = ?`;
    return (
      (await this.db.read.rows<UserRow>(sql, [id]))[0] ?? (await this.db.write.rows<UserRow>(sql, [id]))[0]
    );
  }

  async findOnMaster(id: string): Promise<UserRow | undefined> {
    return (await this.db.write.rows<UserRow>(`SELECT ${columns} FROM \`user\` WHERE id = ?`, [id]))[0];
  }

  async exists(id: string): Promise<boolean> {
    return (await this.findById(id)) !== undefined;
  }

  async passwordHashById(id: string): Promise<string | undefined> {
    const rows = await this.db.write.rows<{ password_hash: string }>(
      'SELECT password_hash FROM `user` WHERE id = ?',
      [id],
    );
    return rows[0]?.password_hash;
  }

  async credentialsByEmail(email: string): Promise<{ id: string; password_hash: string } | undefined> {
    const rows = await this.db.write.rows<{ id: string; password_hash: string }>(
      'SELECT id, password_hash FROM `user` WHERE email = ?',
      [email],
    );
    return rows[0];
  }

  async update(id: string, changes: Partial<NewUser>): Promise<void> {
    const entries = Object.entries(changes).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return;
    // Column names come from NewUser's keys (checked by the caller's schema), values are placeholders.
    const assignments = entries.map(([k]) => `\`${k}\` = ?`).join(', ');
    await this.db.write.execute(`UPDATE \`user\` SET ${assignments} WHERE id = ?`, [
      ...entries.map(([, v]) => v as string | null),
      id,
    ]);
    if (changes.first_name !== undefined) this.firstNames.clear();
  }

  /**
   * Users whose names start with the prefixes, in the order of user_name_prefix (first name, last
   * name, id), `limit` of them after `after` (keyset paging). Two shapes answer it with the same rows
   * in the same order (search.db.test.ts compares them):
   *
   * - `single`: one statement. Only first_name bounds the index range; `second_name LIKE` is checked
   *   entry by entry inside it, so every entry of a matching first name whose surname sorts before the
   *   wanted one is read and thrown away (about 400 entries per row returned on a million users).
   * - `expanded`: first the distinct first names of the prefix (a loose index scan, about one entry
   *   per name), then the same statement with `first_name IN (those names)`: one tight range per name
   *   on both columns, so MariaDB reads about what it returns (1.4 entries per row on a million).
   *
   * `auto` (the default) expands only where it pays: the last-name prefix is not empty (with an empty
   * one the single range already reads only what it returns), the table has at least
   * `expandFromRowsPerName` rows per distinct first name (below that the wasted entries cost less than
   * the extra statement; see docs/app.md and docs/performance.md), and the prefix matches fewer than `maxExpandedNames` names.
   */
  async searchByNamePrefix(
    firstName: string,
    secondName: string,
    limit: number,
    options: { after?: NameCursor | undefined; shape?: SearchShape } = {},
    on: Sql = this.db.read,
  ): Promise<UserRow[]> {
    const { after, shape = 'auto' } = options;
    const first = likePrefix(firstName);
    const second = likePrefix(secondName);
    const single = () =>
      on.rows<UserRow>(searchSql.single(after !== undefined), [first, second, ...keyset(after), limit]);
    if (shape === 'single') return single();
    if (shape === 'auto' && (secondName === '' || (await this.rowsPerFirstName(on)) < expandFromRowsPerName))
      return single();
    const names = await this.firstNamesOf(first, after, on);
    if (names.length === 0) return [];
    // As many names as the cap: the list may be incomplete, and so many ranges would not pay either.
    if (names.length >= maxExpandedNames) return single();
    return on.rows<UserRow>(searchSql.expanded(names.length, after !== undefined), [
      ...names,
      second,
      ...keyset(after),
      limit,
    ]);
  }

  /**
   * The distinct first names matching the LIKE pattern, from `after`'s on. A first page's are kept a
   * moment (FirstNamesCache); a later page's are asked each time (pages are rare, and the cache would
   * have to compare names as the collation does to cut a list at the cursor).
   */
  private async firstNamesOf(pattern: string, after: NameCursor | undefined, on: Sql): Promise<string[]> {
    const cached = after ? undefined : this.firstNames.get(pattern);
    if (cached) return cached;
    const ticket = this.firstNames.ticket();
    const names = (
      await on.rows<{ first_name: string }>(
        searchSql.names(after !== undefined),
        after ? [pattern, after.first_name] : [pattern],
      )
    ).map((r) => r.first_name);
    if (!after) this.firstNames.set(pattern, names, ticket);
    return names;
  }

  /**
   * Rows per distinct first name (cached for a minute): how many entries the single statement may
   * waste per first name. The table's row estimate over the names a loose index scan counts; 0 without
   * the index, which keeps the single statement (without it the expansion would scan the table twice).
   */
  private rowsPerFirstName(on: Sql): number | Promise<number> {
    const density = this.density;
    if (density && density.until > Date.now()) return density.value;
    // One reading at a time: the hundred searches that find the value missing or old (at start, then
    // once a minute) share it instead of sending a hundred pairs of statistics statements. Once there is
    // a value they keep using it while the new one is read.
    this.densityReading ??= this.readRowsPerFirstName(on).finally(() => {
      this.densityReading = undefined;
    });
    if (!density) return this.densityReading;
    this.densityReading.catch(() => {});
    return density.value;
  }

  private async readRowsPerFirstName(on: Sql): Promise<number> {
    const stats = (
      await on.rows<{ table_rows: string | null; indexed: string | number }>(searchSql.statistics)
    )[0];
    let value = 0;
    if (stats && Number(stats.indexed) > 0) {
      const names = Number(
        (await on.rows<{ names: string | number }>(searchSql.distinctNames))[0]?.names ?? 0,
      );
      value = names > 0 ? Number(stats.table_rows ?? 0) / names : 0;
    }
    this.density = { value, until: Date.now() + 60_000 };
    return value;
  }

  async count(): Promise<number> {
    const rows = await this.db.write.rows<{ n: string }>('SELECT COUNT(*) AS n FROM `user`');
    return Number(rows[0]?.n ?? 0);
  }
}
