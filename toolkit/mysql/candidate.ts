import { ToolkitError } from '../procedure/errors.ts';
import type { GtidSet } from './gtid.ts';

/** A slave as failover compares it: its name and everything it holds once its relay log is applied. */
export interface SlaveHolding {
  name: string;
  executed: GtidSet;
}

/** Transactions `slave` lacks that some other slave holds, per other slave that holds any. */
export function lackedFrom<C extends SlaveHolding>(slave: C, all: C[]): Array<{ from: C; count: number }> {
  return all
    .filter((other) => other !== slave)
    .map((other) => ({ from: other, count: slave.executed.missingFrom(other.executed) }))
    .filter((gap) => gap.count > 0);
}

function lacking<C extends SlaveHolding>(slave: C, all: C[]): number {
  return lackedFrom(slave, all).reduce((sum, gap) => sum + gap.count, 0);
}

/**
 * The slave that lacks the fewest transactions other slaves hold (the first in inventory order on a
 * tie), or the preferred one when it lacks no more than that: promoting a slave that lacks what
 * another holds would lose those transactions, so a preference never overrides completeness.
 */
export function chooseCandidate<C extends SlaveHolding>(candidates: C[], preferred?: string): C {
  if (candidates.length === 0) throw new ToolkitError('no slave to choose from');
  const ranked = candidates
    .map((slave, order) => ({ slave, order, lacks: lacking(slave, candidates) }))
    .sort((a, b) => a.lacks - b.lacks || a.order - b.order);
  const best = ranked[0]!;
  if (preferred === undefined) return best.slave;
  const wanted = ranked.find((r) => r.slave.name === preferred);
  if (!wanted) throw new ToolkitError(`--candidate ${preferred} is not reachable`);
  if (wanted.lacks > best.lacks) {
    const gaps = lackedFrom(wanted.slave, candidates)
      .map((gap) => `${gap.count} transaction(s) that ${gap.from.name} holds`)
      .join(', ');
    throw new ToolkitError(
      `--candidate ${preferred} lacks ${gaps}: promoting it would lose them; ${best.slave.name} lacks the fewest (run without --candidate to promote it)`,
      'CANDIDATE_BEHIND',
    );
  }
  return wanted.slave;
}
