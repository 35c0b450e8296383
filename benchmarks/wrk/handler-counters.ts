/** The server's handler counters that together say how many index entries and rows a statement read. */
export const handlerCounterNames = [
  'Handler_read_key',
  'Handler_read_next',
  'Handler_read_prev',
  'Handler_read_rnd_next',
  'Handler_icp_attempts',
  'Handler_icp_match',
];

export type HandlerCounters = Record<string, number>;

/** SHOW SESSION STATUS for those counters; values go with handlerCounterNames as placeholders. */
export const handlerCountersSql = `SHOW SESSION STATUS WHERE Variable_name IN (${handlerCounterNames.map(() => '?').join(', ')})`;

export function handlerCountersFrom(rows: Array<Record<string, unknown>>): HandlerCounters {
  const out: HandlerCounters = {};
  for (const row of rows) out[String(row.Variable_name)] = Number(row.Value);
  return out;
}

/**
 * Entries and rows read between two readings, less what reading the counters itself costs
 * (`overhead`, measured by reading them twice in a row).
 */
export function examinedBetween(before: HandlerCounters, after: HandlerCounters, overhead = 0): number {
  const d = (name: string): number => (after[name] ?? 0) - (before[name] ?? 0);
  const reads =
    d('Handler_read_key') + d('Handler_read_next') + d('Handler_read_prev') + d('Handler_read_rnd_next');
  // Entries ICP looked at and threw away never became a read_next; they were examined all the same.
  const icpRejected = d('Handler_icp_attempts') - d('Handler_icp_match');
  return Math.max(0, reads + icpRejected - overhead);
}
