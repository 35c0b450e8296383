import type { MsgValue } from '../../../lib/tarantool/msgpack.ts';

const integerTypes = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint', 'year']);
const floatTypes = new Set(['float', 'double', 'real']);

export type ColumnKind = 'integer' | 'float' | 'text';

/** How a MySQL column's value is stored in a Tarantool field (from information_schema DATA_TYPE). */
export function columnKind(dataType: string): ColumnKind {
  const type = dataType.toLowerCase();
  if (integerTypes.has(type)) return 'integer';
  if (floatTypes.has(type)) return 'float';
  return 'text';
}

/**
 * One MySQL value as a Tarantool field. Snapshot rows (mysql2) and binlog rows (zongji) differ in how
 * they hand over big integers (strings beyond 2^53) and dates (strings with dateStrings): both end
 * up identical here, so a row loaded from the snapshot equals the same row replayed from the binlog.
 */
export function toField(value: unknown, kind: ColumnKind): MsgValue {
  if (value === null || value === undefined) return null;
  if (kind === 'integer') {
    if (typeof value === 'number') return value;
    if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value;
    const text = String(value);
    const big = BigInt(text);
    return Number.isSafeInteger(Number(text)) ? Number(text) : big;
  }
  if (kind === 'float') return typeof value === 'number' ? value : Number(value);
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return String(value);
}

export function keyOf(tuple: MsgValue[], keyFields: number[]): MsgValue[] {
  return keyFields.map((i) => tuple[i]);
}

export function sameKey(a: MsgValue[], b: MsgValue[]): boolean {
  return a.length === b.length && a.every((v, i) => String(v) === String(b[i]));
}
