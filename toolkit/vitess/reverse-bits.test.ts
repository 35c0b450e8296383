import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseShardList } from './keyrange.ts';
import { reverseBitsKeyspaceId, shardForChatId } from './reverse-bits.ts';

const twoShards = parseShardList('-80,80-', 'shards');
const threeShards = parseShardList('-40,40-80,80-', 'shards');
const uint64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });

describe('reverse_bits', () => {
  it('matches hand-computed keyspace ids', () => {
    expect(reverseBitsKeyspaceId(0)).toBe('0000000000000000');
    expect(reverseBitsKeyspaceId(1)).toBe('8000000000000000');
    expect(reverseBitsKeyspaceId(2)).toBe('4000000000000000');
    expect(reverseBitsKeyspaceId(3)).toBe('c000000000000000');
    expect(reverseBitsKeyspaceId(6)).toBe('6000000000000000');
    expect(reverseBitsKeyspaceId((1n << 64n) - 1n)).toBe('ffffffffffffffff');
    expect(reverseBitsKeyspaceId(1n << 63n)).toBe('0000000000000001');
  });

  it('routes the seed layout: even chat ids to -80, odd to 80-; within -80, %4==0 to -40, %4==2 to 40-80', () => {
    const rows = Array.from({ length: 12 }, (_, i) => i + 1).map((id) => [
      id,
      shardForChatId(id, twoShards).name,
      shardForChatId(id, threeShards).name,
    ]);
    expect(rows).toEqual([
      [1, '80-', '80-'],
      [2, '-80', '40-80'],
      [3, '80-', '80-'],
      [4, '-80', '-40'],
      [5, '80-', '80-'],
      [6, '-80', '40-80'],
      [7, '80-', '80-'],
      [8, '-80', '-40'],
      [9, '80-', '80-'],
      [10, '-80', '40-80'],
      [11, '80-', '80-'],
      [12, '-80', '-40'],
    ]);
  });

  it('the parity rule holds for every 64-bit id', () => {
    fc.assert(
      fc.property(uint64, (id) => {
        expect(shardForChatId(id, twoShards).name).toBe(id % 2n === 0n ? '-80' : '80-');
        const expected = id % 2n === 1n ? '80-' : id % 4n === 0n ? '-40' : '40-80';
        expect(shardForChatId(id, threeShards).name).toBe(expected);
      }),
    );
  });

  it('is a bijection: reversing twice gives the id back', () => {
    fc.assert(
      fc.property(uint64, (id) => {
        expect(BigInt(`0x${reverseBitsKeyspaceId(BigInt(`0x${reverseBitsKeyspaceId(id)}`))}`)).toBe(id);
      }),
    );
  });

  it('refuses ids it cannot route', () => {
    expect(() => reverseBitsKeyspaceId(-1)).toThrow(/negative/);
    expect(() => reverseBitsKeyspaceId(1n << 64n)).toThrow(/64 bits/);
    expect(() => reverseBitsKeyspaceId(2 ** 60)).toThrow(/exact integer/);
  });
});
