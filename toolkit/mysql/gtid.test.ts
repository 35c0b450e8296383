import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MariadbGtidPos, MysqlGtidSet } from './gtid.ts';

const A = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
const B = '73f86016-978b-11ee-ade5-8d2a2a562feb';
const C = 'e8a7b2c0-1d3f-11ef-9a6b-0242ac120002';

describe('MariadbGtidPos', () => {
  it('parses one domain', () => {
    const pos = new MariadbGtidPos('0-1-42');
    expect(pos.text).toBe('0-1-42');
    expect([...pos.domains]).toEqual([[0, { server: 1, seq: 42n }]]);
    expect(pos.isEmpty()).toBe(false);
  });

  it('parses several domains, with spaces and a newline around the commas', () => {
    const pos = new MariadbGtidPos('0-1-42, 1-2-7,\n5-100-18446744073709551615');
    expect(pos.domains.get(0)).toEqual({ server: 1, seq: 42n });
    expect(pos.domains.get(1)).toEqual({ server: 2, seq: 7n });
    // Sequence numbers are 64-bit: kept exactly as bigint.
    expect(pos.domains.get(5)).toEqual({ server: 100, seq: 18446744073709551615n });
    expect(pos.domains.size).toBe(3);
  });

  it('reads an empty position (a server that never logged a transaction) as empty', () => {
    expect(new MariadbGtidPos('').isEmpty()).toBe(true);
    expect(new MariadbGtidPos('  ').isEmpty()).toBe(true);
    expect(new MariadbGtidPos(',').isEmpty()).toBe(true);
  });

  it.each(['0-1', '0-1-', 'a-1-2', '0-1-2-3', '0:1:2', `${A}:1-5`, '0-1-2;1-2-3', '-1-2-3'])(
    'rejects %j, naming the bad part',
    (text) => {
      expect(() => new MariadbGtidPos(text)).toThrow(/^malformed MariaDB GTID '/);
    },
  );

  it('names the one bad part of a longer position', () => {
    expect(() => new MariadbGtidPos('0-1-42,1-x-7')).toThrow("malformed MariaDB GTID '1-x-7'");
  });

  describe('missingFrom', () => {
    const missing = (mine: string, theirs: string) =>
      new MariadbGtidPos(mine).missingFrom(new MariadbGtidPos(theirs));

    it('counts the gap in a shared domain', () => {
      expect(missing('0-1-10', '0-1-15')).toBe(5);
    });

    it('counts nothing when this position is ahead or equal', () => {
      expect(missing('0-1-15', '0-1-10')).toBe(0);
      expect(missing('0-1-15', '0-1-15')).toBe(0);
    });

    it('counts a domain this position has never seen in full', () => {
      expect(missing('0-1-10', '0-1-10,1-2-5')).toBe(5);
    });

    it('ignores domains only this position has', () => {
      expect(missing('0-1-10,1-2-5', '0-1-10')).toBe(0);
    });

    it('compares sequence numbers per domain whatever server wrote them (after a failover)', () => {
      expect(missing('0-1-10', '0-2-12')).toBe(2);
      expect(missing('0-2-12', '0-1-10')).toBe(0);
    });

    it('adds up the gaps of several domains', () => {
      expect(missing('0-1-10,1-2-3', '0-1-12,1-2-8,2-3-1')).toBe(2 + 5 + 1);
    });

    it('empty positions', () => {
      expect(missing('', '')).toBe(0);
      expect(missing('0-1-10', '')).toBe(0);
      expect(missing('', '0-1-10')).toBe(10);
    });

    it('refuses to compare with a MySQL set', () => {
      expect(() => new MariadbGtidPos('0-1-1').missingFrom(new MysqlGtidSet(`${A}:1`))).toThrow(
        'cannot compare MariaDB and MySQL GTIDs',
      );
    });
  });
});

describe('MysqlGtidSet', () => {
  it('parses single transactions and intervals per uuid', () => {
    const set = new MysqlGtidSet(`${A}:1-5:7:9-10`);
    expect([...set.sources]).toEqual([
      [
        A,
        [
          [1n, 5n],
          [7n, 7n],
          [9n, 10n],
        ],
      ],
    ]);
    expect(set.isEmpty()).toBe(false);
  });

  it('parses a multi-source set as MySQL prints it: a comma and a newline between sources', () => {
    // @@GLOBAL.gtid_executed and Executed_Gtid_Set put ",\n" between uuids.
    const set = new MysqlGtidSet(`${A}:1-5,\n${B}:1-3:8,\n${C}:42`);
    expect(set.sources.get(A)).toEqual([[1n, 5n]]);
    expect(set.sources.get(B)).toEqual([
      [1n, 3n],
      [8n, 8n],
    ]);
    expect(set.sources.get(C)).toEqual([[42n, 42n]]);
    expect(set.text).toBe(`${A}:1-5,\n${B}:1-3:8,\n${C}:42`);
  });

  it('tolerates whitespace anywhere, as in a value copied from the mysql client', () => {
    const set = new MysqlGtidSet(`  ${A}:1-5 ,\r\n  ${B} : 1 - 3 \n`);
    expect(set.sources.get(A)).toEqual([[1n, 5n]]);
    expect(set.sources.get(B)).toEqual([[1n, 3n]]);
  });

  it('folds upper-case uuids (SHOW MASTER STATUS in the 5.7 manual) onto lower-case ones', () => {
    const set = new MysqlGtidSet(`${A.toUpperCase()}:1-5`);
    expect(set.sources.get(A)).toEqual([[1n, 5n]]);
    expect(new MysqlGtidSet(`${A}:1-5`).missingFrom(set)).toBe(0);
  });

  it('merges two entries of one uuid', () => {
    expect(new MysqlGtidSet(`${A}:1-5,${A.toUpperCase()}:7`).sources.get(A)).toEqual([
      [1n, 5n],
      [7n, 7n],
    ]);
  });

  it('reads an empty set (a fresh server) as empty', () => {
    expect(new MysqlGtidSet('').isEmpty()).toBe(true);
    expect(new MysqlGtidSet('\n').isEmpty()).toBe(true);
  });

  it.each([
    [A, 'malformed MySQL GTID set'],
    [`${A}:`, 'malformed MySQL GTID interval'],
    [`${A}:1-`, 'malformed MySQL GTID interval'],
    [`${A}:a-b`, 'malformed MySQL GTID interval'],
    [`${A}:1-5:`, 'malformed MySQL GTID interval'],
    [`${A}:1--5`, 'malformed MySQL GTID interval'],
    ['not-a-uuid:1-5', 'malformed MySQL GTID set'],
    [`${A.slice(0, 35)}:1-5`, 'malformed MySQL GTID set'],
    [`${A}x:1-5`, 'malformed MySQL GTID set'],
    [':1-5', 'malformed MySQL GTID set'],
    ['0-1-42', 'malformed MySQL GTID set'],
  ])('rejects %j', (text, message) => {
    expect(() => new MysqlGtidSet(text)).toThrow(message);
  });

  describe('missingFrom', () => {
    const missing = (mine: string, theirs: string) =>
      new MysqlGtidSet(mine).missingFrom(new MysqlGtidSet(theirs));

    it('counts the part of an interval not covered', () => {
      expect(missing(`${A}:1-5`, `${A}:1-8`)).toBe(3);
    });

    it('counts disjoint intervals in full', () => {
      expect(missing(`${A}:1-5`, `${A}:10-19`)).toBe(10);
    });

    it('counts around several covering intervals (holes in the middle)', () => {
      expect(missing(`${A}:1-3:6-7:10`, `${A}:1-10`)).toBe(4);
    });

    it('counts overlapping intervals on either side', () => {
      expect(missing(`${A}:5-10`, `${A}:1-7`)).toBe(4);
      expect(missing(`${A}:1-7`, `${A}:5-10`)).toBe(3);
    });

    it('counts nothing for a subset or an equal set', () => {
      expect(missing(`${A}:1-10`, `${A}:2-4:6`)).toBe(0);
      expect(missing(`${A}:1-10,\n${B}:1-3`, `${A}:1-10,\n${B}:1-3`)).toBe(0);
    });

    it('counts a uuid this set has never seen in full', () => {
      expect(missing(`${A}:1-100`, `${A}:1-100,\n${B}:1-3:5`)).toBe(4);
    });

    it('does not let one uuid cover another', () => {
      expect(missing(`${B}:1-100`, `${A}:1-5`)).toBe(5);
    });

    it('empty sets', () => {
      expect(missing('', '')).toBe(0);
      expect(missing(`${A}:1-5`, '')).toBe(0);
      expect(missing('', `${A}:1-5:7`)).toBe(6);
    });

    it('counts beyond 2^32 transactions exactly', () => {
      expect(missing(`${A}:1-4294967296`, `${A}:1-4294967306`)).toBe(10);
      expect(missing('', `${A}:1-4294967306`)).toBe(4294967306);
    });

    it('refuses to compare with a MariaDB position', () => {
      expect(() => new MysqlGtidSet(`${A}:1`).missingFrom(new MariadbGtidPos('0-1-1'))).toThrow(
        'cannot compare MySQL and MariaDB GTIDs',
      );
    });
  });
});

// ---- properties ----

const uuids = [A, B, C];

/**
 * A normalized list of intervals, as MySQL prints them: sorted, disjoint and not adjacent. Built from
 * alternating gap/length pairs so every generated list is valid by construction.
 */
const intervals = fc
  .array(fc.tuple(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 20 })), { maxLength: 5 })
  .map((pairs) => {
    const out: Array<[number, number]> = [];
    let next = 1;
    for (const [gap, length] of pairs) {
      const start = next + gap - 1 + (out.length > 0 ? 1 : 0);
      const end = start + length - 1;
      out.push([start, end]);
      next = end + 1;
    }
    return out;
  });

/** uuid → normalized intervals, only uuids with at least one interval. */
const mysqlSet = fc.tuple(intervals, intervals, intervals).map((lists) => {
  const sources = new Map<string, Array<[number, number]>>();
  lists.forEach((list, i) => {
    if (list.length > 0) sources.set(uuids[i]!, list);
  });
  return sources;
});

function mysqlText(sources: Map<string, Array<[number, number]>>): string {
  return [...sources]
    .map(([uuid, list]) => `${uuid}:${list.map(([s, e]) => (s === e ? `${s}` : `${s}-${e}`)).join(':')}`)
    .join(',\n');
}

function members(sources: Map<string, Array<[number, number]>>): Set<string> {
  const out = new Set<string>();
  for (const [uuid, list] of sources) {
    for (const [s, e] of list) for (let n = s; n <= e; n++) out.add(`${uuid}:${n}`);
  }
  return out;
}

function fromMembers(set: Set<string>): string {
  const byUuid = new Map<string, number[]>();
  for (const m of set) {
    const [uuid, n] = m.split(':');
    byUuid.set(uuid!, [...(byUuid.get(uuid!) ?? []), Number(n)]);
  }
  return [...byUuid].map(([uuid, ns]) => `${uuid}:${ns.sort((x, y) => x - y).join(':')}`).join(',');
}

const mariadbPos = fc
  .uniqueArray(
    fc.record({
      domain: fc.integer({ min: 0, max: 5 }),
      server: fc.integer({ min: 1, max: 5 }),
      seq: fc.bigInt({ min: 0n, max: 1_000_000n }),
    }),
    { selector: (d) => d.domain, maxLength: 4 },
  )
  .map((ds) => ds.map((d) => `${d.domain}-${d.server}-${d.seq}`).join(','));

describe('properties', () => {
  it('a MySQL set is never missing anything from itself', () => {
    fc.assert(
      fc.property(mysqlSet, (sources) => {
        const set = new MysqlGtidSet(mysqlText(sources));
        expect(set.missingFrom(set)).toBe(0);
      }),
    );
  });

  it('the count equals the transactions of the other set that this one lacks', () => {
    fc.assert(
      fc.property(mysqlSet, mysqlSet, (mine, theirs) => {
        const mineMembers = members(mine);
        const expected = [...members(theirs)].filter((m) => !mineMembers.has(m)).length;
        expect(new MysqlGtidSet(mysqlText(mine)).missingFrom(new MysqlGtidSet(mysqlText(theirs)))).toBe(
          expected,
        );
      }),
    );
  });

  it('missingFrom is 0 for any subset', () => {
    fc.assert(
      fc.property(
        mysqlSet,
        fc.func(fc.boolean()).map((keep) => (m: string) => keep(m)),
        (sources, keep) => {
          const all = members(sources);
          const subset = new Set([...all].filter(keep));
          expect(
            new MysqlGtidSet(mysqlText(sources)).missingFrom(new MysqlGtidSet(fromMembers(subset))),
          ).toBe(0);
        },
      ),
    );
  });

  it('counts add up over a disjoint union of interval lists', () => {
    fc.assert(
      fc.property(mysqlSet, fc.integer({ min: 0, max: 2 }), (sources, which) => {
        // Split every uuid's intervals into two disjoint halves (alternating intervals).
        const left = new Map<string, Array<[number, number]>>();
        const right = new Map<string, Array<[number, number]>>();
        for (const [uuid, list] of sources) {
          const l = list.filter((_, i) => i % 2 === 0);
          const r = list.filter((_, i) => i % 2 === 1);
          if (l.length > 0) left.set(uuid, l);
          if (r.length > 0) right.set(uuid, r);
        }
        const empty = new MysqlGtidSet('');
        const whole = empty.missingFrom(new MysqlGtidSet(mysqlText(sources)));
        const parts =
          empty.missingFrom(new MysqlGtidSet(mysqlText(left))) +
          empty.missingFrom(new MysqlGtidSet(mysqlText(right)));
        expect(whole).toBe(parts);
        expect(whole).toBe(members(sources).size);
        // Having one half, the other half is exactly what is missing.
        const mineText = which === 0 ? mysqlText(left) : mysqlText(right);
        const otherSize = which === 0 ? members(right).size : members(left).size;
        expect(new MysqlGtidSet(mineText).missingFrom(new MysqlGtidSet(mysqlText(sources)))).toBe(otherSize);
      }),
    );
  });

  it('MySQL sets parse the same however the sources are separated', () => {
    fc.assert(
      fc.property(mysqlSet, fc.constantFrom(',', ',\n', ', ', ' ,\r\n'), (sources, sep) => {
        const text = mysqlText(sources).replaceAll(',\n', sep);
        expect(new MysqlGtidSet(text).sources).toEqual(new MysqlGtidSet(mysqlText(sources)).sources);
      }),
    );
  });

  it('a MariaDB position is never missing anything from itself', () => {
    fc.assert(
      fc.property(mariadbPos, (text) => {
        const pos = new MariadbGtidPos(text);
        expect(pos.missingFrom(pos)).toBe(0);
      }),
    );
  });

  it('a MariaDB position misses nothing from one behind it in every domain, and the gap from one ahead', () => {
    fc.assert(
      fc.property(mariadbPos, fc.bigInt({ min: 0n, max: 1000n }), (text, by) => {
        const pos = new MariadbGtidPos(text);
        const shift = (delta: bigint) =>
          new MariadbGtidPos(
            [...pos.domains]
              .map(([d, { server, seq }]) => {
                const s = seq + delta;
                return `${d}-${server}-${s < 0n ? 0n : s}`;
              })
              .join(','),
          );
        expect(pos.missingFrom(shift(-by))).toBe(0);
        expect(pos.missingFrom(shift(by))).toBe(Number(by) * pos.domains.size);
      }),
    );
  });
});

describe('edge cases found by mutation testing', () => {
  it('counts the same sequence number written by another server as one missing transaction', () => {
    expect(new MariadbGtidPos('0-1-10').missingFrom(new MariadbGtidPos('0-2-10'))).toBe(1);
    expect(new MariadbGtidPos('10-1-5').domains.get(10)).toEqual({ server: 1, seq: 5n });
  });

  it('merges intervals given in any order into sorted, non-overlapping ones', () => {
    const merged = (text: string) => new MysqlGtidSet(text).sources.get(A);
    expect(merged(`${A}:10-12:1-3:4-5:3-9`)).toEqual([[1n, 12n]]);
    expect(merged(`${A}:5:1-3`)).toEqual([
      [1n, 3n],
      [5n, 5n],
    ]);
    expect(merged(`${A}:4:1-3`)).toEqual([[1n, 4n]]);
    expect(merged(`${A}:1-10:2-3`)).toEqual([[1n, 10n]]);
    expect(merged(`${A}:7-9:1-2`)).toEqual([
      [1n, 2n],
      [7n, 9n],
    ]);
    expect(new MysqlGtidSet(`${A}:1-3`).missingFrom(new MysqlGtidSet(`${A}:5-7:1-3:2-6:4`))).toBe(4);
  });

  it('keys tagged sequences (MySQL 8.3+) apart, in lower case, and refuses bad tags and intervals', () => {
    const set = new MysqlGtidSet(`${A.toUpperCase()}:Tag_1:1-3:ab:5,${A}:2`);
    expect([...set.sources.keys()]).toEqual([`${A}:tag_1`, `${A}:ab`, A]);
    expect(set.sources.get(`${A}:tag_1`)).toEqual([[1n, 3n]]);
    expect(new MysqlGtidSet(`${A}:${'t'.repeat(32)}:1`).sources.has(`${A}:${'t'.repeat(32)}`)).toBe(true);
    for (const bad of [`${A}:${'t'.repeat(33)}:1`, `${A}:0`, `${A}:5-3`, `${A}:1-x`, `x${A}:1`])
      expect(() => new MysqlGtidSet(bad), bad).toThrow(/malformed MySQL GTID/);
  });
});

describe('describeMissingFrom', () => {
  const mariadb = (mine: string, theirs: string) =>
    new MariadbGtidPos(mine).describeMissingFrom(new MariadbGtidPos(theirs));
  const mysql = (mine: string, theirs: string) =>
    new MysqlGtidSet(mine).describeMissingFrom(new MysqlGtidSet(theirs));

  it('names a MariaDB gap by its sequence range and the last GTID, per domain', () => {
    expect(mariadb('0-1-10', '0-1-13')).toEqual(['0-*-11..0-1-13']);
    expect(mariadb('0-1-10', '0-2-11')).toEqual(['0-2-11']);
    expect(mariadb('0-1-10', '0-1-10,1-3-5')).toEqual(['1-*-1..1-3-5']);
    expect(mariadb('0-1-13,1-3-5', '0-1-10')).toEqual([]);
  });

  it('names a MariaDB transaction written by another server at the same sequence as diverged', () => {
    expect(mariadb('0-2-10', '0-1-10')).toEqual(['0-1-10 (diverged: this side has 0-2-10)']);
  });

  it('names MySQL gaps as intervals of the other set', () => {
    expect(mysql(`${A}:1-5`, `${A}:1-8,${B}:3`)).toEqual([`${A}:6-8`, `${B}:3`]);
    expect(mysql(`${A}:1-3:6-7:10`, `${A}:1-12`)).toEqual([`${A}:4-5:8-9:11-12`]);
    expect(mysql(`${A}:1-12`, `${A}:2-9`)).toEqual([]);
  });

  it('describes exactly the MySQL transactions counted as missing', () => {
    fc.assert(
      fc.property(mysqlSet, mysqlSet, (mine, theirs) => {
        const mineSet = new MysqlGtidSet(mysqlText(mine));
        const theirSet = new MysqlGtidSet(mysqlText(theirs));
        const described = mineSet.describeMissingFrom(theirSet).join(',');
        const lacking = [...members(theirs)].filter((m) => !members(mine).has(m));
        expect(members(described ? parsedSources(described) : new Map())).toEqual(new Set(lacking));
        expect(lacking.length).toBe(mineSet.missingFrom(theirSet));
      }),
    );
  });
});

function parsedSources(text: string): Map<string, Array<[number, number]>> {
  return new Map(
    [...new MysqlGtidSet(text).sources].map(([uuid, list]) => [
      uuid,
      list.map(([s, e]) => [Number(s), Number(e)] as [number, number]),
    ]),
  );
}
