import type { Connection } from 'mysql2/promise';
import type { EpochRow } from './writer-epoch.ts';

/** Where every promotion records the topology generation (toolkit/mysql/topology-epoch.ts writes it). */
export const epochSchema = 'toolkit';
export const epochTable = 'topology_epoch';

/** The monitor account reads this and nothing else of the table (SELECT on it only). */
export const epochQuery = `SELECT epoch, master, master_server_id FROM ${epochSchema}.${epochTable} WHERE id = 1`;

/**
 * A node without the table, or a monitor account without SELECT on it (set up before epochs existed),
 * has no epoch: the follow mode then never opens it by epoch. Other failures fail the poll as usual.
 */
/** One row of epochQuery as the decision and the runbooks read it. */
export function epochRowOf(row: Record<string, unknown>): EpochRow {
  return {
    epoch: Number(row.epoch),
    master: String(row.master),
    masterServerId: Number(row.master_server_id),
  };
}

const noEpochErrnos = new Set([
  1049, // ER_BAD_DB_ERROR: no toolkit schema yet
  1142, // ER_TABLEACCESS_DENIED_ERROR: the account lacks SELECT on it
  1146, // ER_NO_SUCH_TABLE
]);

export async function readEpochRow(conn: Connection): Promise<{ row?: EpochRow; error?: string }> {
  try {
    const [rows] = await conn.query(epochQuery);
    const first = Array.isArray(rows) ? (rows[0] as Record<string, unknown> | undefined) : undefined;
    return first ? { row: epochRowOf(first) } : { error: 'no epoch row' };
  } catch (error) {
    const e = error as { errno?: number; sqlMessage?: string };
    if (e.errno !== undefined && noEpochErrnos.has(e.errno))
      return { error: e.sqlMessage ?? `errno ${e.errno}` };
    throw error;
  }
}
