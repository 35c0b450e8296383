/** A MariaDB GTID position as domain → last sequence number ("0-1-42,1-3-7"), with the server id of each. */
export type Position = Map<number, { serverId: number; seq: number }>;

export interface Gtid {
  domain: number;
  serverId: number;
  seq: number;
}

export function parseGtid(text: string): Gtid {
  const m = /^(\d+)-(\d+)-(\d+)$/.exec(text.trim());
  if (!m) throw new Error(`not a MariaDB GTID: '${text}' (domain-server-sequence, e.g. 0-1-42)`);
  return { domain: Number(m[1]), serverId: Number(m[2]), seq: Number(m[3]) };
}

export function parsePosition(text: string): Position {
  const position: Position = new Map();
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const g = parseGtid(part);
    position.set(g.domain, { serverId: g.serverId, seq: g.seq });
  }
  return position;
}

export function formatPosition(position: Position): string {
  return [...position.entries()]
    .sort(([a], [b]) => a - b)
    .map(([domain, { serverId, seq }]) => `${domain}-${serverId}-${seq}`)
    .join(',');
}

/** True when the transaction is already part of the position. */
export function contains(position: Position, gtid: Gtid): boolean {
  return (position.get(gtid.domain)?.seq ?? 0) >= gtid.seq;
}

/** True when every domain of `a` is at or behind `b` (a backup at `a` can be rolled forward to `b`). */
export function atOrBefore(a: Position, b: Position): boolean {
  return [...a.entries()].every(([domain, { seq }]) => seq === 0 || (b.get(domain)?.seq ?? 0) >= seq);
}

export function samePosition(a: Position, b: Position): boolean {
  return atOrBefore(a, b) && atOrBefore(b, a);
}

export function advance(position: Position, gtid: Gtid): Position {
  const next = new Map(position);
  if ((next.get(gtid.domain)?.seq ?? -1) < gtid.seq)
    next.set(gtid.domain, { serverId: gtid.serverId, seq: gtid.seq });
  return next;
}
