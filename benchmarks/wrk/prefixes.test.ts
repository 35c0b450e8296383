import { describe, expect, it } from 'vitest';
import { femaleFirstNames, feminine, maleFirstNames, surnames } from '../../app/src/ops.ts';
import { queryString, searchPrefixes } from './prefixes.ts';

describe('searchPrefixes', () => {
  const prefixes = searchPrefixes({ count: 500, seed: 1 });

  it('is the same list for the same seed and another for another seed', () => {
    expect(searchPrefixes({ count: 500, seed: 1 })).toEqual(prefixes);
    expect(searchPrefixes({ count: 500, seed: 2 })).not.toEqual(prefixes);
  });

  it("cuts real names of the generator's lists: 1-4 letters of a first name, 1-5 of a surname", () => {
    const firsts = [...maleFirstNames, ...femaleFirstNames];
    const lasts = [...surnames, ...surnames.map(feminine)];
    for (const p of prefixes) {
      expect(Array.from(p.first).length).toBeGreaterThanOrEqual(1);
      expect(Array.from(p.first).length).toBeLessThanOrEqual(4);
      expect(Array.from(p.last).length).toBeLessThanOrEqual(5);
      expect(firsts.some((n) => n.startsWith(p.first))).toBe(true);
      expect(lasts.some((n) => n.startsWith(p.last))).toBe(true);
    }
    expect(new Set(prefixes.map((p) => Array.from(p.first).length)).size).toBe(4);
  });
});

describe('queryString', () => {
  it('percent-encodes the Cyrillic prefixes and carries the limit', () => {
    const q = queryString({ first: 'Ал', last: 'Сё' }, 10);
    expect(q).toBe('first_name=%D0%90%D0%BB&last_name=%D0%A1%D1%91&limit=10');
    const params = new URLSearchParams(q);
    expect([params.get('first_name'), params.get('last_name'), params.get('limit')]).toEqual([
      'Ал',
      'Сё',
      '10',
    ]);
  });
});
