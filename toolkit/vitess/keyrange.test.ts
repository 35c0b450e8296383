import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../procedure/errors.ts';
import {
  checkReshard,
  compareBound,
  containsKeyspaceId,
  contiguousUnion,
  type KeyRange,
  parseShard,
  parseShardList,
  sortRanges,
} from './keyrange.ts';

const check = (sources: string, targets: string) =>
  checkReshard(parseShardList(sources, 'source shards'), parseShardList(targets, 'target shards'));

function failure(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error('expected a UsageError');
}

describe('parseShard', () => {
  it('reads Vitess shard names with empty ends', () => {
    expect(parseShard('0')).toEqual({ name: '0', start: '', end: '' });
    expect(parseShard('-80')).toEqual({ name: '-80', start: '', end: '80' });
    expect(parseShard('80-')).toEqual({ name: '80-', start: '80', end: '' });
    expect(parseShard('40-80')).toEqual({ name: '40-80', start: '40', end: '80' });
    expect(parseShard('4000-8000')).toEqual({ name: '4000-8000', start: '40', end: '80' });
  });

  it.each([
    ['x80-', /not hex/],
    ['8-', /odd number of hex digits/],
    ['80', /not a key range/],
    ['-80-', /not a key range/],
    ['80-40', /not below/],
    ['80-80', /not below/],
    ['-8G', /not hex/],
    ['-8A', /lower-case/],
    ['', /empty shard name/],
  ])('refuses %j', (name, reason) => {
    expect(failure(() => parseShard(name))).toMatch(reason);
  });
});

describe('checkReshard', () => {
  it.each([
    ['0', '-80,80-'],
    ['-80', '-40,40-80'],
    ['80-', '80-c0,c0-'],
    ['-80,80-', '0'],
    ['-40,40-80', '-80'],
    ['0', '-40,40-80,80-c0,c0-'],
    ['-80', '-4000,4000-80'],
  ])('accepts %s -> %s', (sources, targets) => {
    expect(() => check(sources, targets)).not.toThrow();
  });

  it.each([
    ['-80', '-40,50-80', /gap between -40 and 50-80: no shard covers 40-50/],
    ['-80', '-40,30-80', /-40 and 30-80 overlap in 30-40/],
    ['0', '-80', /targets must partition the sources exactly/],
    ['-80', '-40,40-', /targets must partition the sources exactly/],
    ['-80', '-80', /source and target shards are the same/],
    ['-80,80-', '80-,-80', /source and target shards are the same/],
    ['0', '-', /source and target shards are the same/],
    ['-80,80-', '-40,40-80,80-', /shard 80- is both a source and a target/],
    ['-40,80-', '-80,80-', /source shards: gap between -40 and 80-/],
    ['-80', '-40,-40,40-80', /listed twice/],
    ['-80', '-40,40-8z', /target shards: shard '40-8z'/],
    ['-80', '-40,,40-80', /empty shard name/],
    ['-80,', '-40,40-80', /source shards: empty shard name/],
    ['0,80-', '-80,80-', /overlap/],
  ])('refuses %s -> %s', (sources, targets, reason) => {
    expect(failure(() => check(sources, targets))).toMatch(reason);
  });
});

/** Random partitions of the key space: sorted distinct one-byte cut points. */
const cuts = fc
  .uniqueArray(fc.integer({ min: 1, max: 255 }), { maxLength: 6 })
  .map((xs) => [...xs].sort((a, b) => a - b));

function partition(points: number[]): KeyRange[] {
  const hex = (n: number) => n.toString(16).padStart(2, '0');
  const bounds = ['', ...points.map(hex), ''];
  return bounds.slice(0, -1).map((start, i) => parseShard(`${start}-${bounds[i + 1]}`));
}

describe('key range properties', () => {
  it('every partition of the key space reshards into every other one', () => {
    fc.assert(
      fc.property(cuts, cuts, (a, b) => {
        const from = partition(a);
        const to = partition(b);
        const shared = from.some((s) => to.some((t) => s.start === t.start && s.end === t.end));
        if (shared) expect(() => checkReshard(from, to)).toThrow(UsageError);
        else expect(() => checkReshard(from, to)).not.toThrow();
      }),
    );
  });

  it('dropping a middle shard of a partition is always a gap', () => {
    fc.assert(
      fc.property(
        cuts.filter((xs) => xs.length >= 2),
        fc.nat(),
        (points, pick) => {
          const to = partition(points);
          const index = 1 + (pick % (to.length - 2));
          const holed = to.filter((_, i) => i !== index);
          expect(() => checkReshard([parseShard('0')], holed)).toThrow(/gap/);
        },
      ),
    );
  });

  it('each keyspace id lies in exactly one shard of a partition', () => {
    fc.assert(
      fc.property(cuts, fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (points, id) => {
        const hex = id.toString(16).padStart(16, '0');
        expect(partition(points).filter((s) => containsKeyspaceId(s, hex))).toHaveLength(1);
      }),
    );
  });

  it('bound comparison ignores trailing zero bytes and orders like numbers', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffff }), (a, b) => {
        const ha = a.toString(16).padStart(4, '0');
        const hb = b.toString(16).padStart(4, '0');
        expect(Math.sign(compareBound(ha, `${hb}00`))).toBe(Math.sign(a - b));
      }),
    );
  });
});

describe('messages and edge cases found by mutation testing', () => {
  it('says what each side covers when targets do not partition the sources', () => {
    const tail = 'targets must partition the sources exactly';
    expect(failure(() => check('0', '-80'))).toBe(
      `target shards cover the lowest id up to 80 but the source shards cover the whole key space: ${tail}`,
    );
    expect(failure(() => check('-80', '-40,40-'))).toBe(
      `target shards cover the whole key space but the source shards cover the lowest id up to 80: ${tail}`,
    );
    expect(failure(() => check('80-', '80-c0'))).toBe(
      `target shards cover 80 up to c0 but the source shards cover 80 up to the end: ${tail}`,
    );
    expect(failure(() => check('40-80', '40-c0'))).toBe(
      `target shards cover 40 up to c0 but the source shards cover 40 up to 80: ${tail}`,
    );
  });

  it('names the shards when sources and targets are the same, and a shard in both lists', () => {
    expect(failure(() => check('-80,80-', '80-,-80'))).toBe(
      'source and target shards are the same (-80,80-): nothing to reshard',
    );
    expect(failure(() => check('-80,80-', '-80'))).toMatch(/^shard -80 is both a source and a target/);
    expect(failure(() => check('-80,80-', '-40,40-80,8000-'))).toMatch(/^shard 8000- is both a source/);
  });

  it('prefixes list errors with the list they are in', () => {
    expect(failure(() => check('-80', '-40,50-80'))).toMatch(/^target shards: gap between -40 and 50-80/);
    expect(failure(() => parseShardList(' ', 'target shards'))).toBe('target shards: no shards given');
    expect(failure(() => parseShard('-8A'))).toBe(
      "shard '-8A': use lower-case hex ('8a'), as Vitess names shards",
    );
    expect(parseShardList(' 80- , -80 ', 'x').map((r) => r.name)).toEqual(['-80', '80-']);
  });

  it('names the union of contiguous shards the way Vitess does', () => {
    const union = (word: string) => contiguousUnion(parseShardList(word, 'x'), 'x').name;
    expect(union('-80,80-')).toBe('-');
    expect(union('-40,40-80')).toBe('-80');
    expect(union('40-80,80-c0')).toBe('40-c0');
    expect(union('c0-,80-c0')).toBe('80-');
    expect(failure(() => contiguousUnion([], 'x'))).toBe('x: no shards given');
  });

  it('orders shards by start, then by end with an open end last, and reads ids in any case', () => {
    const sorted = sortRanges([parseShard('40-'), parseShard('40-80'), parseShard('-40')]).map((r) => r.name);
    expect(sorted).toEqual(['-40', '40-80', '40-']);
    expect(sortRanges([parseShard('40-'), parseShard('40-80')]).map((r) => r.name)).toEqual(['40-80', '40-']);
    expect(containsKeyspaceId(parseShard('-80'), '7FFFFFFFFFFFFFFF')).toBe(true);
    expect(containsKeyspaceId(parseShard('-80'), '80')).toBe(false);
    expect(parseShard('8000-c00000')).toMatchObject({ start: '80', end: 'c0' });
    expect(parseShard('-')).toEqual({ name: '-', start: '', end: '' });
    expect(parseShard('123400-')).toMatchObject({ start: '1234' });
    expect(compareBound('80', '8000')).toBe(0);
    expect(compareBound('8000', '80')).toBe(0);
  });

  it('orders by end in either input order, catches a start-only mismatch, and lowers an id before comparing', () => {
    const names = (...shards: string[]) => sortRanges(shards.map((n) => parseShard(n))).map((r) => r.name);
    expect(names('40-', '40-80')).toEqual(['40-80', '40-']);
    expect(names('40-80', '40-')).toEqual(['40-80', '40-']);
    expect(names('40-c0', '40-80')).toEqual(['40-80', '40-c0']);
    expect(names('40-80', '40-c0')).toEqual(['40-80', '40-c0']);
    expect(failure(() => check('-80', '40-80'))).toMatch(
      /^target shards cover 40 up to 80 but the source shards cover/,
    );
    expect(containsKeyspaceId(parseShard('-a0'), 'B0')).toBe(false);
    expect(containsKeyspaceId(parseShard('a0-'), 'B0')).toBe(true);
  });
});
