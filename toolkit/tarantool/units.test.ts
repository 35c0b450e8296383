import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decode, encode, type MsgValue } from '../../lib/tarantool/msgpack.ts';
import { gtidSequences } from './lag.ts';
import { expandEnv, parseReplicatorConfig } from './replicator/config.ts';
import { columnKind, toField } from './replicator/row-values.ts';

describe('msgpack', () => {
  it('round-trips integers of every width, strings, nulls and nested arrays', () => {
    const value: fc.Arbitrary<MsgValue> = fc.letrec<{ v: MsgValue }>((tie) => ({
      v: fc.oneof(
        { depthSize: 'small' },
        fc.integer({ min: -(2 ** 31), max: 2 ** 32 }),
        fc.maxSafeInteger(),
        fc.bigInt({ min: 2n ** 53n + 1n, max: 2n ** 64n - 1n }),
        fc.string({ unit: 'grapheme', maxLength: 300 }),
        fc.constant(null),
        fc.boolean(),
        fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Number.isInteger(d)),
        fc.array(tie('v'), { maxLength: 20 }),
      ),
    })).v;
    fc.assert(
      fc.property(value, (v) => {
        expect(decode(encode(v))).toEqual(v);
      }),
    );
  });

  it('keeps a uint64 id above 2^53 exact', () => {
    expect(decode(encode(18446744073709551615n))).toBe(18446744073709551615n);
  });
});

describe('replicator config', () => {
  const text = `mysql: {host: \${MYSQL_HOST}, port: \${MYSQL_PORT:-3306}, user: r}
tarantool: {host: t, port: 3301, binlog_pos_space: 512, binlog_pos_key: 0}
# \${NOT_EXPANDED} in a comment
mappings:
  - {database: app, table: user, columns: [id, first_name], space: 513, key_fields: [0]}`;

  it('expands variables with defaults, but not in comments', () => {
    const config = parseReplicatorConfig(text, { MYSQL_HOST: 'db' });
    expect(config.mysql).toEqual({ host: 'db', port: 3306, user: 'r' });
    const comment = `# $${'{X}'}`;
    expect(expandEnv(comment, {})).toBe(comment);
  });

  it('rejects a missing variable and a key field outside the columns', () => {
    expect(() => parseReplicatorConfig(text, {})).toThrow(/MYSQL_HOST/);
    expect(() =>
      parseReplicatorConfig(text.replace('key_fields: [0]', 'key_fields: [2]'), { MYSQL_HOST: 'db' }),
    ).toThrow(/key field 2/);
  });
});

describe('row values', () => {
  it('gives snapshot and binlog values the same Tarantool form', () => {
    expect(toField('42', columnKind('bigint'))).toBe(42);
    expect(toField(42, columnKind('bigint'))).toBe(42);
    expect(toField('18446744073709551615', columnKind('bigint'))).toBe(18446744073709551615n);
    expect(toField(null, columnKind('varchar'))).toBeNull();
    expect(toField('1955-03-02', columnKind('date'))).toBe('1955-03-02');
  });
});

describe('GTIDs', () => {
  it('takes the highest sequence per domain', () => {
    expect([...gtidSequences('0-1-100,1-2-7, 0-3-101')]).toEqual([
      ['0', 101],
      ['1', 7],
    ]);
  });
});
