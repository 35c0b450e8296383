import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../../test-support/stack.ts';
import { femaleFirstNames, feminine, maleFirstNames, surnames } from '../generator/names.ts';
import { seededRandom } from '../generator/random.ts';
import { type Databases, openDatabases, type Row, type Sql, type SqlValue } from '../platform/db.ts';
import {
  maxExpandedNames,
  type NameCursor,
  type SearchShape,
  searchSql,
  type UserRow,
  UsersRepository,
} from './repository.ts';

/**
 * The two shapes of the name-prefix search against real MariaDB: random prefixes over generated
 * names (and awkward ones: other letter case, ё/е, trailing spaces, LIKE's wildcards, one full name
 * many times), every page compared row for row and in order.
 */
let stack: TestStack;
let db: Databases;
let repo: UsersRepository;
const pick = seededRandom(7);
const firstNames: string[] = [];
const lastNames: string[] = [];

const cut = (word: string, n: number) => Array.from(word).slice(0, n).join('');
const ids = (rows: UserRow[]) => rows.map((r) => String(r.id));
const cursorOf = (row: UserRow): NameCursor => ({
  first_name: row.first_name,
  second_name: row.second_name,
  id: String(row.id),
});

/** The master, with every statement written down. */
function recording(sent: string[]): Sql {
  return {
    rows: <T extends Row>(sql: string, values?: SqlValue[]) => {
      sent.push(sql);
      return db.write.rows<T>(sql, values);
    },
    execute: (sql, values) => db.write.execute(sql, values),
  };
}

const search = (first: string, last: string, limit: number, shape: SearchShape, after?: NameCursor) =>
  repo.searchByNamePrefix(first, last, limit, { shape, after }, db.write);

/** Every result, page by page with the keyset cursor. */
async function allPages(
  first: string,
  last: string,
  pageSize: number,
  shape: SearchShape,
): Promise<string[]> {
  const out: string[] = [];
  let after: NameCursor | undefined;
  for (;;) {
    const page = await search(first, last, pageSize, shape, after);
    out.push(...ids(page));
    if (page.length < pageSize) return out;
    after = cursorOf(page.at(-1)!);
  }
}

beforeAll(async () => {
  stack = await startTestStack();
  db = openDatabases(stack.config);
  repo = new UsersRepository(db);
  const rows: SqlValue[][] = [];
  const add = (first: string, last: string) => {
    firstNames.push(first);
    lastNames.push(last);
    rows.push([first, last, 'x']);
  };
  for (let i = 0; i < 4000; i++) {
    const female = pick(2) === 1;
    const first = female
      ? femaleFirstNames[pick(femaleFirstNames.length)]!
      : maleFirstNames[pick(maleFirstNames.length)]!;
    const surname = surnames[pick(surnames.length)]!;
    add(first, female ? feminine(surname) : surname);
  }
  for (const [first, last] of [
    ['алла', 'иванова'],
    ['АЛЛА', 'ИВАНОВА'],
    ['Алла ', 'Иванова '],
    ['Ёлка', 'Ёжикова'],
    ['Елка', 'Ежикова'],
    ['Ал_ла', 'Се%ва'],
    ['Ал%ла', 'Се_ва'],
    ['A_b', 'C%d'],
  ] as const)
    add(first, last);
  for (let i = 0; i < 30; i++) add('Агата', 'Полякова');
  // More distinct first names under one prefix than the expansion takes.
  for (let i = 0; i < maxExpandedNames + 5; i++) add(`Zz${String(i).padStart(4, '0')}`, `Qq${i % 7}`);
  await db.write.execute('INSERT INTO `user` (first_name, second_name, password_hash) VALUES ?', [rows]);
}, 300_000);

afterAll(async () => {
  await db?.close();
  await stack?.stop();
});

describe('the name-prefix search', () => {
  it('answers the same rows in the same order in both shapes, for random prefixes and limits', async () => {
    let nonEmpty = 0;
    for (let i = 0; i < 150; i++) {
      const u = pick(firstNames.length);
      let first = cut(firstNames[u]!, 1 + pick(4));
      let last = cut(lastNames[pick(2) === 0 ? u : pick(lastNames.length)]!, pick(6));
      if (pick(5) === 0) first = first.toLowerCase();
      if (pick(5) === 0) last = last.toUpperCase();
      const limit = [1, 3, 10, 100, 1000][pick(5)]!;
      const single = ids(await search(first, last, limit, 'single'));
      expect(ids(await search(first, last, limit, 'expanded')), `${first}/${last} LIMIT ${limit}`).toEqual(
        single,
      );
      expect(ids(await search(first, last, limit, 'auto')), `${first}/${last} LIMIT ${limit}`).toEqual(
        single,
      );
      if (single.length > 0) nonEmpty += 1;
    }
    // The prefixes are drawn from real names, so most of them find someone.
    expect(nonEmpty).toBeGreaterThan(100);
  });

  it('matches the odd names alike: letter case, ё, trailing spaces, LIKE wildcards taken literally', async () => {
    for (const [first, last] of [
      ['Ал', 'Ив'],
      ['ал', 'ив'],
      ['Алла', ''],
      ['Ё', 'Ё'],
      ['Е', 'Е'],
      ['Ал_', 'Се%'],
      ['Ал%', 'Се_'],
      ['A_', 'C%'],
      ['A%', ''],
      ['Агата', 'Поляк'],
    ] as const) {
      const single = ids(await search(first, last, 1000, 'single'));
      expect(ids(await search(first, last, 1000, 'expanded')), `${first}/${last}`).toEqual(single);
    }
    const literal = await search('Ал_', 'Се%', 10, 'expanded');
    expect(literal.map((r) => `${r.first_name} ${r.second_name}`)).toEqual(['Ал_ла Се%ва']);
  });

  it('pages with the keyset cursor through exactly the rows of one big answer, in both shapes', async () => {
    for (let i = 0; i < 25; i++) {
      const first = cut(firstNames[pick(firstNames.length)]!, 1 + pick(2));
      const last = pick(3) === 0 ? '' : cut(lastNames[pick(lastNames.length)]!, 1);
      const whole = ids(await search(first, last, 10_000, 'single'));
      // Small pages for small answers: a thousand one-row pages would only make the test slow.
      const pageSize = whole.length > 200 ? 97 : [1, 7, 50][pick(3)]!;
      expect(await allPages(first, last, pageSize, 'single'), `${first}/${last} by ${pageSize}`).toEqual(
        whole,
      );
      expect(await allPages(first, last, pageSize, 'expanded'), `${first}/${last} by ${pageSize}`).toEqual(
        whole,
      );
    }
    // One full name thirty times: the id alone tells the pages apart.
    const agatas = ids(await search('Агата', 'Полякова', 1000, 'single'));
    expect(agatas.length).toBeGreaterThanOrEqual(30);
    expect(await allPages('Агата', 'Полякова', 4, 'expanded')).toEqual(agatas);
  });

  it('falls back to the single statement when the prefix has too many first names', async () => {
    const sent: string[] = [];
    const uncached = new UsersRepository(db, { firstNamesTtlMs: 0 });
    const rows = await uncached.searchByNamePrefix('Zz', 'Qq3', 50, { shape: 'expanded' }, recording(sent));
    expect(sent).toEqual([searchSql.names(false), searchSql.single(false)]);
    expect(ids(rows)).toEqual(ids(await search('Zz', 'Qq3', 50, 'single')));
    expect(rows.every((r) => r.first_name.startsWith('Zz') && r.second_name === 'Qq3')).toBe(true);
    expect(rows).toHaveLength(50);
  });

  it('keeps the single statement on a small table and for an empty last-name prefix', async () => {
    await db.write.execute('ANALYZE TABLE `user`');
    const sent: string[] = [];
    const fresh = new UsersRepository(db);
    await fresh.searchByNamePrefix('Ал', 'Ив', 10, {}, recording(sent));
    await fresh.searchByNamePrefix('Ал', '', 10, {}, recording(sent));
    // About 5,000 rows over a few hundred first names: the wasted entries cost less than a second statement.
    expect(sent).toEqual([
      searchSql.statistics,
      searchSql.distinctNames,
      searchSql.single(false),
      searchSql.single(false),
    ]);
  });

  it('asks no second statement when no first name matches', async () => {
    const sent: string[] = [];
    const uncached = new UsersRepository(db, { firstNamesTtlMs: 0 });
    expect(await uncached.searchByNamePrefix('Щщщ', 'А', 10, { shape: 'expanded' }, recording(sent))).toEqual(
      [],
    );
    expect(sent).toEqual([searchSql.names(false)]);
  });

  it("asks a prefix's first names once a moment, and still finds a user who signs up with a new first name", async () => {
    const cached = new UsersRepository(db, { firstNamesTtlMs: 60_000 });
    const sent: string[] = [];
    const find = () => cached.searchByNamePrefix('Щщ', 'Ю', 10, { shape: 'expanded' }, recording(sent));
    expect(await find()).toEqual([]);
    expect(await find()).toEqual([]);
    expect(sent).toEqual([searchSql.names(false)]);
    const id = await cached.insert({
      first_name: 'Щщука',
      second_name: 'Юрьева',
      birthdate: '1990-01-01',
      gender: null,
      biography: '',
      city: '',
      email: null,
      password_hash: 'x',
    });
    expect(ids(await find())).toEqual([id]);
    expect(sent).toEqual([searchSql.names(false), searchSql.names(false), searchSql.expanded(1, false)]);
    await cached.update(id, { first_name: 'Щщукина' });
    expect((await find()).map((r) => r.first_name)).toEqual(['Щщукина']);
    await db.write.execute('DELETE FROM `user` WHERE id = ?', [id]);
  });
});
