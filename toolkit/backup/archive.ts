import { findBinary } from '../host/binaries.ts';
import { ToolkitError } from '../procedure/errors.ts';
import { indexArchive } from './binlog-index.ts';
import { advance, type Position } from './gtid-position.ts';
import { uniqueGroups } from './restore-plan.ts';

export interface ArchiveContinuity {
  transactions: number;
  sources: string[];
  first: Position;
  last: Position;
  /** Missing sequence numbers, as "domain-*-from..to" ranges. */
  gaps: string[];
}

/** Every archived transaction once, checked for holes in each domain's sequence numbers. */
export async function archiveContinuity(dir: string): Promise<ArchiveContinuity> {
  const tool = findBinary(['mariadb-binlog', 'mysqlbinlog']);
  if (!tool) throw new ToolkitError('mariadb-binlog not found: apt-get install mariadb-client');
  const files = await indexArchive(tool, dir);
  const groups = uniqueGroups(files);
  let first: Position = new Map();
  let last: Position = new Map();
  const seqs = new Map<number, number[]>();
  for (const g of groups) {
    if (!first.has(g.domain)) first = advance(first, g);
    last = advance(last, g);
    seqs.set(g.domain, [...(seqs.get(g.domain) ?? []), g.seq]);
  }
  const gaps: string[] = [];
  for (const [domain, list] of seqs) {
    const sorted = [...new Set(list)].sort((a, b) => a - b);
    for (let i = 1; i < sorted.length; i++)
      if (sorted[i]! > sorted[i - 1]! + 1) gaps.push(`${domain}-*-${sorted[i - 1]! + 1}..${sorted[i]! - 1}`);
  }
  return {
    transactions: groups.length,
    sources: [...new Set(files.map((f) => f.source))],
    first,
    last,
    gaps,
  };
}
