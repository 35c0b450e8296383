import type { GtidSet } from './gtid.ts';

/** A node whose transactions the failover can see: another slave, or the live old master in a switchover. */
export interface Holder {
  name: string;
  executed: GtidSet;
}

/** What promoting a candidate would lose, per holder that has transactions the candidate lacks. */
export interface Loss {
  /** missing_acknowledged: the most transactions any one holder has that the candidate lacks. */
  count: number;
  gaps: Array<{ holder: string; count: number; gtids: string[] }>;
}

/**
 * What the runbook can see of the transactions a promotion would lose: those held by another slave
 * (received from the old master, so acknowledged under semi-sync) or executed on the live old master,
 * that the candidate lacks, by GTID. A transaction that reached no slave of a dead master is invisible here.
 */
export function lossOnPromotion(candidate: GtidSet, holders: Holder[]): Loss {
  const gaps = holders
    .map((h) => ({
      holder: h.name,
      count: candidate.missingFrom(h.executed),
      gtids: candidate.describeMissingFrom(h.executed),
    }))
    .filter((gap) => gap.count > 0);
  return { count: Math.max(0, ...gaps.map((g) => g.count)), gaps };
}

/** "0-*-11..0-1-13 (3, held by db2); …" — one line for the report. */
export function describeLoss(loss: Loss): string {
  return loss.gaps.map((g) => `${g.gtids.join(', ')} (${g.count}, held by ${g.holder})`).join('; ');
}
