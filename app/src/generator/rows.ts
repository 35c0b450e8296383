import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { biography, femaleFirstNames, feminine, maleFirstNames, postText, surnames } from './names.ts';

export const citiesFile = resolve(dirname(fileURLToPath(import.meta.url)), '../../data/cities.csv');

export function loadCities(file = citiesFile): string[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
}

const dayMs = 86_400_000;
const birthFrom = Date.UTC(1950, 0, 1);
const birthDays = Math.floor((Date.UTC(2008, 0, 1) - birthFrom) / dayMs);

/**
 * One `user` row as a LOAD DATA line (tab-separated; generated values never contain tabs, newlines
 * or backslashes, so nothing needs escaping): id, names, birthdate, gender, biography, city, hash.
 */
export function userLine(
  id: number,
  pick: (n: number) => number,
  cities: string[],
  passwordHash: string,
): string {
  const female = pick(2) === 1;
  const first = female
    ? femaleFirstNames[pick(femaleFirstNames.length)]!
    : maleFirstNames[pick(maleFirstNames.length)]!;
  const surname = surnames[pick(surnames.length)]!;
  const birthdate = new Date(birthFrom + pick(birthDays) * dayMs).toISOString().slice(0, 10);
  return `${id}\t${first}\t${female ? feminine(surname) : surname}\t${birthdate}\t${female ? 'female' : 'male'}\t${biography(pick)}\t${cities[pick(cities.length)]!}\t${passwordHash}\n`;
}

export function postLine(authorId: number, pick: (n: number) => number): string {
  return `${authorId}\t${postText(pick)}\n`;
}

/** Lines in chunks of about `size` rows, so each LOAD DATA is one bounded transaction. */
export function* chunks(from: number, to: number, size: number): Generator<[number, number]> {
  for (let start = from; start < to; start += size) yield [start, Math.min(to, start + size)];
}
