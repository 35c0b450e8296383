import { UsageError } from '../procedure/errors.ts';

/**
 * A shard's key range: keyspace ids k with start <= k < end. Bounds are lower-case hex byte
 * strings; '' as start is the lowest id, '' as end is above every id. Shard '0' and '-' cover all.
 */
export interface KeyRange {
  name: string;
  start: string;
  end: string;
}

const hexBytes = /^(?:[0-9a-f]{2})*$/;

/** Parses one shard name the way Vitess reads it, with a one-line reason when it cannot. */
export function parseShard(name: string): KeyRange {
  if (name === '0' || name === '-') return { name, start: '', end: '' };
  if (name === '') throw new UsageError('empty shard name (a list such as -80,80- has no empty items)');
  const parts = name.split('-');
  if (parts.length !== 2)
    throw new UsageError(
      `shard '${name}' is not a key range: expected <start>-<end> in hex, such as -80, 40-80 or 80-`,
    );
  const [start = '', end = ''] = parts;
  for (const bound of [start, end]) {
    if (/[A-F]/.test(bound))
      throw new UsageError(
        `shard '${name}': use lower-case hex ('${bound.toLowerCase()}'), as Vitess names shards`,
      );
    if (!/^[0-9a-f]*$/.test(bound)) throw new UsageError(`shard '${name}': '${bound}' is not hex`);
    if (!hexBytes.test(bound))
      throw new UsageError(
        `shard '${name}': '${bound}' has an odd number of hex digits (bounds are whole bytes, such as 80 or 4000)`,
      );
  }
  if (start !== '' && end !== '' && compareBound(start, end) >= 0) {
    throw new UsageError(`shard '${name}': start ${start} is not below end ${end}`);
  }
  return { name, start: trimZeros(start), end: trimZeros(end) };
}

/** Parses a comma-separated shard list (one command-line word), sorted by start. */
export function parseShardList(word: string, what: string): KeyRange[] {
  if (word.trim() === '') throw new UsageError(`${what}: no shards given`);
  const ranges = word.split(',').map((item) => {
    try {
      return parseShard(item.trim());
    } catch (error) {
      throw new UsageError(`${what}: ${(error as Error).message}`);
    }
  });
  return sortRanges(ranges);
}

export function sortRanges(ranges: KeyRange[]): KeyRange[] {
  return [...ranges].sort((a, b) => compareStart(a.start, b.start) || compareEnd(a.end, b.end));
}

/** The ranges as one contiguous range, or a one-line reason (gap, overlap, duplicate) they are not. */
export function contiguousUnion(ranges: KeyRange[], what: string): KeyRange {
  const sorted = sortRanges(ranges);
  const names = new Set<string>();
  for (const r of sorted) {
    if (names.has(r.name)) throw new UsageError(`${what}: shard ${r.name} is listed twice`);
    names.add(r.name);
  }
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!;
    const next = sorted[i]!;
    if (prev.end === '')
      throw new UsageError(
        `${what}: ${prev.name} and ${next.name} overlap (${prev.name} already reaches the end)`,
      );
    const order = compareBound(prev.end, next.start);
    if (order < 0)
      throw new UsageError(
        `${what}: gap between ${prev.name} and ${next.name}: no shard covers ${prev.end}-${next.start}`,
      );
    if (order > 0)
      throw new UsageError(`${what}: ${prev.name} and ${next.name} overlap in ${next.start}-${prev.end}`);
  }
  const first = sorted[0];
  const last = sorted[sorted.length - 1];
  if (!first || !last) throw new UsageError(`${what}: no shards given`);
  return { name: formatRange(first.start, last.end), start: first.start, end: last.end };
}

/**
 * Checks that the target shards split (or merge) the source shards exactly: both lists contiguous,
 * the same overall range, no shard in both lists.
 */
export function checkReshard(sources: KeyRange[], targets: KeyRange[]): void {
  const from = contiguousUnion(sources, 'source shards');
  const to = contiguousUnion(targets, 'target shards');
  const sourceNames = new Set(sources.map((s) => s.name));
  const same = targets.filter((t) => sourceNames.has(t.name) || sources.some((s) => sameRange(s, t)));
  if (same.length === targets.length && targets.length === sources.length) {
    throw new UsageError(
      `source and target shards are the same (${sources.map((s) => s.name).join(',')}): nothing to reshard`,
    );
  }
  if (same.length > 0)
    throw new UsageError(
      `shard ${same[0]!.name} is both a source and a target: a shard cannot be resharded into itself`,
    );
  if (compareStart(from.start, to.start) !== 0 || compareEnd(from.end, to.end) !== 0) {
    throw new UsageError(
      `target shards cover ${describe(to)} but the source shards cover ${describe(from)}: targets must partition the sources exactly`,
    );
  }
}

export function sameRange(a: KeyRange, b: KeyRange): boolean {
  return compareStart(a.start, b.start) === 0 && compareEnd(a.end, b.end) === 0;
}

/** True when the keyspace id (hex) lies in the range. */
export function containsKeyspaceId(range: KeyRange, keyspaceIdHex: string): boolean {
  const id = keyspaceIdHex.toLowerCase();
  return compareBound(range.start, id) <= 0 && (range.end === '' || compareBound(id, range.end) < 0);
}

function describe(r: KeyRange): string {
  if (r.start === '' && r.end === '') return 'the whole key space';
  return `${r.start === '' ? 'the lowest id' : r.start} up to ${r.end === '' ? 'the end' : r.end}`;
}

function formatRange(start: string, end: string): string {
  return start === '' && end === '' ? '-' : `${start}-${end}`;
}

/** '8000' and '80' are the same bound: trailing zero bytes add nothing. */
function trimZeros(bound: string): string {
  let b = bound;
  while (b.endsWith('00')) b = b.slice(0, -2);
  return b;
}

/** Compares two bounds as byte strings padded with zero bytes (so '' is the lowest). */
export function compareBound(a: string, b: string): number {
  const width = Math.max(a.length, b.length);
  const pa = a.padEnd(width, '0');
  const pb = b.padEnd(width, '0');
  return pa < pb ? -1 : pa > pb ? 1 : 0;
}

function compareStart(a: string, b: string): number {
  return compareBound(a, b);
}

/** '' as an end is above everything. */
function compareEnd(a: string, b: string): number {
  if (a === b) return 0;
  if (a === '') return 1;
  if (b === '') return -1;
  return compareBound(a, b);
}
