import { describe, expect, it } from 'vitest';
import { FirstNamesCache } from './first-names-cache.ts';

describe('FirstNamesCache', () => {
  it('keeps a list for its time to live, then forgets it', () => {
    let now = 1_000;
    const cache = new FirstNamesCache(2_000, 10, () => now);
    cache.set('Ал%', ['Алла', 'Алина'], cache.ticket());
    now += 1_999;
    expect(cache.get('Ал%')).toEqual(['Алла', 'Алина']);
    now += 1;
    expect(cache.get('Ал%')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('drops a list read before a clear (a first name written meanwhile may be missing from it)', () => {
    const cache = new FirstNamesCache(2_000);
    const ticket = cache.ticket();
    cache.set('Ал%', ['Алла'], ticket);
    cache.clear();
    expect(cache.get('Ал%')).toBeUndefined();
    cache.set('Ал%', ['Алла'], ticket);
    expect(cache.get('Ал%')).toBeUndefined();
    cache.set('Ал%', ['Алла', 'Алсу'], cache.ticket());
    expect(cache.get('Ал%')).toEqual(['Алла', 'Алсу']);
  });

  it('holds at most maxEntries prefixes, the oldest going first, and nothing with a zero time to live', () => {
    const cache = new FirstNamesCache(2_000, 2);
    for (const prefix of ['А%', 'Б%', 'В%']) cache.set(prefix, [prefix], cache.ticket());
    expect(cache.size).toBe(2);
    expect(cache.get('А%')).toBeUndefined();
    expect(cache.get('В%')).toEqual(['В%']);
    const off = new FirstNamesCache(0);
    off.set('А%', ['Анна'], off.ticket());
    expect(off.get('А%')).toBeUndefined();
  });
});
