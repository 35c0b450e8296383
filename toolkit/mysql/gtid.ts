/**
 * GTID sets of both families, reduced to what replication and failover ask of them: does one set
 * hold another, and how many transactions of one are missing from another.
 */
export interface GtidSet {
  readonly text: string;
  /** Transactions in `other` that are not in this set. */
  missingFrom(other: GtidSet): number;
  /** The transactions of `other` missing from this set, as GTID ranges a person can look up. */
  describeMissingFrom(other: GtidSet): string[];
  isEmpty(): boolean;
}

/** MariaDB: "domain-server-seq" per replication domain, comma separated (e.g. "0-1-42,1-2-7"). */
export class MariadbGtidPos implements GtidSet {
  readonly domains: ReadonlyMap<number, { server: number; seq: bigint }>;

  constructor(readonly text: string) {
    const domains = new Map<number, { server: number; seq: bigint }>();
    for (const part of text
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      const m = /^(\d+)-(\d+)-(\d+)$/.exec(part);
      if (!m) throw new Error(`malformed MariaDB GTID '${part}'`);
      domains.set(Number(m[1]), { server: Number(m[2]), seq: BigInt(m[3]!) });
    }
    this.domains = domains;
  }

  missingFrom(other: GtidSet): number {
    if (!(other instanceof MariadbGtidPos)) throw new Error('cannot compare MariaDB and MySQL GTIDs');
    let missing = 0n;
    for (const [domain, theirs] of other.domains) {
      const mine = this.domains.get(domain);
      const seq = mine?.seq ?? 0n;
      // Sequence numbers grow by one per transaction within a domain (gtid_strict_mode), so the gap is the count.
      if (theirs.seq > seq) missing += theirs.seq - seq;
      // The same position written by another server is another transaction: at least that one is missing.
      else if (mine && theirs.seq === seq && theirs.server !== mine.server) missing += 1n;
    }
    return Number(missing);
  }

  describeMissingFrom(other: GtidSet): string[] {
    if (!(other instanceof MariadbGtidPos)) throw new Error('cannot compare MariaDB and MySQL GTIDs');
    const ranges: string[] = [];
    for (const [domain, theirs] of other.domains) {
      const mine = this.domains.get(domain);
      const seq = mine?.seq ?? 0n;
      const last = `${domain}-${theirs.server}-${theirs.seq}`;
      // A position names only the last transaction per domain: the server ids of the ones before it are unknown.
      if (theirs.seq === seq + 1n) ranges.push(last);
      else if (theirs.seq > seq) ranges.push(`${domain}-*-${seq + 1n}..${last}`);
      else if (mine && theirs.seq === seq && theirs.server !== mine.server)
        ranges.push(`${last} (diverged: this side has ${domain}-${mine.server}-${seq})`);
    }
    return ranges;
  }

  isEmpty(): boolean {
    return this.domains.size === 0;
  }
}

/** MySQL: "uuid:1-5:7,uuid2:1-3" (intervals of transaction numbers per source uuid). */
export class MysqlGtidSet implements GtidSet {
  readonly sources: ReadonlyMap<string, Array<[bigint, bigint]>>;

  constructor(readonly text: string) {
    const sources = new Map<string, Array<[bigint, bigint]>>();
    for (const part of text.replace(/\s+/g, '').split(',').filter(Boolean)) {
      const [uuid, ...segments] = part.split(':');
      if (!uuid || !/^[0-9a-f-]{36}$/i.test(uuid) || segments.length === 0)
        throw new Error(`malformed MySQL GTID set '${part}'`);
      // MySQL 8.3+ tags: uuid:tag:1-5 names its own sequence, distinct from the untagged uuid:1-5.
      let key = uuid.toLowerCase();
      for (const segment of segments) {
        if (/^[a-z_][a-z0-9_]{0,31}$/i.test(segment)) {
          key = `${uuid.toLowerCase()}:${segment.toLowerCase()}`;
          continue;
        }
        const m = /^(\d+)(?:-(\d+))?$/.exec(segment);
        const start = m ? BigInt(m[1]!) : 0n;
        const end = m ? BigInt(m[2] ?? m[1]!) : 0n;
        if (!m || start < 1n || end < start) throw new Error(`malformed MySQL GTID interval '${segment}'`);
        const list = sources.get(key) ?? [];
        list.push([start, end]);
        sources.set(key, list);
      }
    }
    for (const [key, list] of sources) sources.set(key, merge(list));
    this.sources = sources;
  }

  missingFrom(other: GtidSet): number {
    if (!(other instanceof MysqlGtidSet)) throw new Error('cannot compare MySQL and MariaDB GTIDs');
    let missing = 0n;
    for (const [uuid, theirs] of other.sources) {
      const mine = this.sources.get(uuid) ?? [];
      for (const [start, end] of theirs) missing += uncovered(start, end, mine);
    }
    return Number(missing);
  }

  describeMissingFrom(other: GtidSet): string[] {
    if (!(other instanceof MysqlGtidSet)) throw new Error('cannot compare MySQL and MariaDB GTIDs');
    const ranges: string[] = [];
    for (const [uuid, theirs] of other.sources) {
      const gaps = theirs.flatMap(([start, end]) => gapsOf(start, end, this.sources.get(uuid) ?? []));
      if (gaps.length > 0)
        ranges.push(`${uuid}:${gaps.map(([s, e]) => (s === e ? `${s}` : `${s}-${e}`)).join(':')}`);
    }
    return ranges;
  }

  isEmpty(): boolean {
    return this.sources.size === 0;
  }
}

/** Sorted, non-overlapping intervals, so that counting never counts a transaction twice. */
function merge(list: Array<[bigint, bigint]>): Array<[bigint, bigint]> {
  const sorted = [...list].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const out: Array<[bigint, bigint]> = [];
  for (const [s, e] of sorted) {
    const last = out[out.length - 1];
    if (last && s <= last[1] + 1n) {
      if (e > last[1]) last[1] = e;
    } else out.push([s, e]);
  }
  return out;
}

/** The parts of [start, end] that no interval of `covering` (sorted, merged) holds. */
function gapsOf(start: bigint, end: bigint, covering: Array<[bigint, bigint]>): Array<[bigint, bigint]> {
  const gaps: Array<[bigint, bigint]> = [];
  let next = start;
  for (const [s, e] of covering) {
    if (e < next || s > end) continue;
    if (s > next) gaps.push([next, s - 1n]);
    next = e + 1n;
    if (next > end) break;
  }
  if (next <= end) gaps.push([next, end]);
  return gaps;
}

function uncovered(start: bigint, end: bigint, covering: Array<[bigint, bigint]>): bigint {
  let count = end - start + 1n;
  for (const [s, e] of covering) {
    const lo = s > start ? s : start;
    const hi = e < end ? e : end;
    if (hi >= lo) count -= hi - lo + 1n;
  }
  return count < 0n ? 0n : count;
}
