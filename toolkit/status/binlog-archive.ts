import { waitFor } from '../../lib/poll.ts';
import { archiveContinuity } from '../backup/archive.ts';
import { atOrBefore, formatPosition, type Position, parsePosition } from '../backup/gtid-position.ts';
import { failedRow, type StatusContext, skippedRow } from './context.ts';
import type { StatusRow } from './report.ts';

/** How long the archive may take to write what the master wrote just before the check (it streams). */
const catchUpMs = 3000;

/**
 * The binlog archive: its archiver follows the current master (a binlog dump thread of its account
 * there), and, where its folder can be read from here, holds every transaction the master has
 * binlogged (gtid_binlog_pos) with no hole in any domain's sequence numbers.
 */
export async function binlogArchiveRows(context: StatusContext): Promise<StatusRow[]> {
  const { inventory } = context;
  const archive = inventory.binlogArchive;
  if (!archive) return [skippedRow('binlog-archive', 'archiver', `not in the ${inventory.name} inventory`)];
  const master = inventory.mysql.master;
  const base = {
    component: 'binlog-archive',
    name: 'archiver',
    address: `${master.name} → ${archive.dir ?? 'archive'}`,
  };
  let following: boolean;
  let masterPos: Position;
  try {
    const session = await context.session(master);
    const dumps = await session.query(
      "SELECT ID FROM information_schema.PROCESSLIST WHERE USER = ? AND COMMAND LIKE 'Binlog Dump%'",
      [archive.user],
    );
    following = dumps.length > 0;
    masterPos = parsePosition(String(await session.value('SELECT @@GLOBAL.gtid_binlog_pos')));
  } catch (error) {
    return [failedRow(base, error)];
  }
  const follows = following
    ? `follows ${master.name}`
    : `not following the master ${master.name}: no binlog dump thread of ${archive.user} there`;
  if (!archive.dir)
    return [
      {
        ...base,
        health: following ? 'up' : 'down',
        detail: `${follows}; its folder is not readable from here`,
      },
    ];
  const dir = archive.dir;
  try {
    let continuity = await archiveContinuity(dir);
    if (following && !continuity.gaps.length && !atOrBefore(masterPos, continuity.last))
      continuity = await waitFor(
        async () => {
          const c = await archiveContinuity(dir);
          return c.gaps.length || atOrBefore(masterPos, c.last) ? c : undefined;
        },
        { timeoutMs: catchUpMs, intervalMs: 250, what: 'the archive to catch up' },
      ).catch(() => continuity);
    const held = `archive at ${formatPosition(continuity.last) || 'nothing yet'} (${continuity.transactions} transactions from ${continuity.sources.join(', ') || 'no master yet'})`;
    const behind = behindBy(masterPos, continuity.last);
    if (!following) return [{ ...base, health: 'down', detail: `${follows}; ${held}` }];
    if (continuity.gaps.length)
      return [
        {
          ...base,
          health: 'degraded',
          detail: `${follows}; GAP in the archive: ${continuity.gaps.join(', ')}; ${held}`,
        },
      ];
    if (behind > 0)
      return [
        {
          ...base,
          health: 'degraded',
          detail: `${follows}; ${behind} transaction(s) behind the master's gtid_binlog_pos ${formatPosition(masterPos)}; ${held}`,
        },
      ];
    return [{ ...base, health: 'up', detail: `${follows}; ${held} = the master's gtid_binlog_pos, no gap` }];
  } catch (error) {
    return [failedRow(base, error)];
  }
}

/** Transactions the master has binlogged that the archive does not hold, summed over its domains. */
function behindBy(master: Position, archived: Position): number {
  let total = 0;
  for (const [domain, { seq }] of master) total += Math.max(0, seq - (archived.get(domain)?.seq ?? 0));
  return total;
}
