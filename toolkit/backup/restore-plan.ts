import { ToolkitError } from '../procedure/errors.ts';
import { type EventGroup, type IndexedFile, statementMatches } from './binlog-index.ts';
import {
  advance,
  atOrBefore,
  contains,
  formatPosition,
  type Position,
  parsePosition,
} from './gtid-position.ts';
import type { BackupManifest } from './manifest.ts';

export type RestoreTarget =
  | { kind: 'time'; at: number; text: string }
  | { kind: 'gtid'; position: string }
  | { kind: 'statement'; text: string };

export interface StopPoint {
  stop: Position;
  /** In words, for the report: "before 0-1-812 (DROP TABLE `app`.`post`… at 2026-12-07 11:46:01 UTC)". */
  description: string;
}

/** Each transaction once, in the order the archive holds them (a new master's binlog repeats the old one's). */
export function uniqueGroups(files: IndexedFile[]): EventGroup[] {
  const seen = new Set<string>();
  const groups: EventGroup[] = [];
  for (const file of files)
    for (const group of file.groups) {
      if (seen.has(group.gtid)) continue;
      seen.add(group.gtid);
      groups.push(group);
    }
  return groups;
}

const utc = (seconds: number) =>
  `${new Date(seconds * 1000).toISOString().slice(0, 19).replace('T', ' ')} UTC`;

/** Where replay must stop for the target: a GTID position (every transaction up to it, none after). */
export function stopPoint(groups: EventGroup[], target: RestoreTarget): StopPoint {
  if (target.kind === 'gtid')
    return { stop: parsePosition(target.position), description: `at GTID ${target.position}` };
  let position: Position = new Map();
  if (target.kind === 'time') {
    let last: EventGroup | undefined;
    for (const group of groups) {
      if (group.at > target.at) break;
      position = advance(position, group);
      last = group;
    }
    if (!last)
      throw new ToolkitError(`no archived transaction at or before ${target.text}: the archive starts later`);
    return { stop: position, description: `at ${target.text}: up to ${last.gtid} (${utc(last.at)})` };
  }
  let match = -1;
  let count = 0;
  groups.forEach((group, index) => {
    if (group.statements.some((s) => statementMatches(s, target.text))) {
      match = index;
      count++;
    }
  });
  if (match < 0) throw new ToolkitError(`no archived transaction contains '${target.text}'`);
  for (const group of groups.slice(0, match)) position = advance(position, group);
  const found = groups[match]!;
  const more = count > 1 ? `; the last of ${count} matches` : '';
  return {
    stop: position,
    description: `before ${found.gtid} (${found.statements[0]?.slice(0, 60)} at ${utc(found.at)}${more})`,
  };
}

/** The newest backup the stop point can be reached from, or a one-line error. */
export function chooseBackup<T extends { manifest: Pick<BackupManifest, 'gtid' | 'id'> }>(
  backups: T[],
  stop: Position,
): T {
  const usable = backups.filter((b) => atOrBefore(parsePosition(b.manifest.gtid), stop));
  const chosen = usable.at(-1);
  if (!chosen)
    throw new ToolkitError(
      backups.length
        ? `no backup is at or before ${formatPosition(stop)} (the oldest is at ${backups[0]!.manifest.gtid})`
        : 'no backup to restore from: run npx zx scripts/backup.mjs first',
    );
  return chosen;
}

/**
 * The archive must hold every transaction from the backup's position to the stop point, in every
 * domain, with no sequence number missing; returns how many transactions replay will apply.
 */
export function checkCoverage(groups: EventGroup[], from: Position, stop: Position): number {
  let needed = 0;
  for (const [domain, { seq: last }] of stop) {
    const start = from.get(domain)?.seq ?? 0;
    const have = new Set(
      groups.filter((g) => g.domain === domain && g.seq > start && g.seq <= last).map((g) => g.seq),
    );
    for (let seq = start + 1; seq <= last; seq++)
      if (!have.has(seq)) {
        const archived = groups.filter((g) => g.domain === domain).map((g) => g.seq);
        const top = archived.length ? Math.max(...archived) : 0;
        throw new ToolkitError(
          seq > top
            ? `the binlog archive ends at ${domain}-*-${top}, before ${formatPosition(stop)}: is the archiver running?`
            : `the binlog archive lacks transaction ${domain}-*-${seq}: a gap between the backup and the target`,
        );
      }
    needed += Math.max(0, last - start);
  }
  return needed;
}

/** The archive files that hold transactions after `from` up to `stop`, grouped by source, in order. */
export function replayFiles(
  files: IndexedFile[],
  from: Position,
  stop: Position,
): Array<{ source: string; paths: string[] }> {
  const plan: Array<{ source: string; paths: string[] }> = [];
  let covered = from;
  for (const file of files) {
    const useful = file.groups.filter((g) => !contains(covered, g) && contains(stop, g));
    if (!useful.length) continue;
    for (const g of useful) covered = advance(covered, g);
    const last = plan.at(-1);
    if (last?.source === file.source) last.paths.push(file.path);
    else plan.push({ source: file.source, paths: [file.path] });
  }
  return plan;
}
