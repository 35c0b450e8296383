import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../procedure/errors.ts';
import {
  checkReshard,
  compareBound,
  containsKeyspaceId,
  type KeyRange,
  parseShard,
  parseShardList,
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
