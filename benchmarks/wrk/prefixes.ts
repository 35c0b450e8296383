import { writeFileSync } from 'node:fs';
import { femaleFirstNames, feminine, maleFirstNames, seededRandom, surnames } from '../../app/src/ops.ts';

/** One search as a person types it: the first letters of a first name and of a last name. */
export interface SearchPrefix {
  first: string;
  last: string;
}

export interface PrefixOptions {
  count: number;
  seed: number;
}

/**
 * Prefix pairs drawn like the users generator draws people (a coin for gender, a first name and a
 * surname from its lists, the feminine surname for women), cut to 1–4 and 1–5 letters: most searches
 * find someone, short ones find many (Ал…), a few rare ones (Ю…, Ф…) find few. Same seed, same list.
 */
export function searchPrefixes({ count, seed }: PrefixOptions): SearchPrefix[] {
  const pick = seededRandom(seed);
  const out: SearchPrefix[] = [];
  for (let i = 0; i < count; i++) {
    const female = pick(2) === 1;
    const first = female
      ? femaleFirstNames[pick(femaleFirstNames.length)]!
      : maleFirstNames[pick(maleFirstNames.length)]!;
    const surname = surnames[pick(surnames.length)]!;
    const last = female ? feminine(surname) : surname;
    out.push({ first: cut(first, 1 + pick(4)), last: cut(last, 1 + pick(5)) });
  }
  return out;
}

/** The first n characters (code points: Ё and friends are one letter). */
function cut(word: string, n: number): string {
  return Array.from(word).slice(0, n).join('');
}

/** The query string of one search, as the Lua script sends it. */
export function queryString(prefix: SearchPrefix, limit: number): string {
  return `first_name=${encodeURIComponent(prefix.first)}&last_name=${encodeURIComponent(prefix.last)}&limit=${limit}`;
}

/** The file the wrk Lua script reads: one query string per line. */
export function writePrefixFile(file: string, prefixes: SearchPrefix[], limit: number): void {
  writeFileSync(file, `${prefixes.map((p) => queryString(p, limit)).join('\n')}\n`);
}
