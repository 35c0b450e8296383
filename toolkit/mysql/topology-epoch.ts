import { epochQuery, epochRowOf, epochSchema, epochTable } from '../haproxy/agent/epoch-row.ts';
import type { EpochRow } from '../haproxy/agent/writer-epoch.ts';
import type { Run } from '../procedure/run.ts';
import type { MysqlSession } from './session.ts';

/**
 * The topology generation, one row: which node was promoted master last, as the epoch-th promotion.
 * Every promotion writes it on the new master first (recordEpoch) and it replicates to the slaves;
 * HAProxy's health agent in follow mode (compose, the stacks) opens the writer only on the writable
 * node claiming the highest epoch (toolkit/haproxy/agent/writer-epoch.ts), so an old master that comes
 * back writable is never opened again. Nodes are named by server_id, which HAProxy's agent reads too.
 */
const table = `${epochSchema}.${epochTable}`;
const createTable = `CREATE TABLE IF NOT EXISTS ${table} (id TINYINT UNSIGNED PRIMARY KEY, epoch BIGINT UNSIGNED NOT NULL, master VARCHAR(64) NOT NULL, master_server_id INT UNSIGNED NOT NULL, promoted_at TIMESTAMP(6) NOT NULL) ENGINE=InnoDB`;

/** The DDL, for a node's first-start script (stacks/haproxy.ts) as for ensureEpochTable. */
export const epochTableStatements = [`CREATE DATABASE IF NOT EXISTS ${epochSchema}`, createTable];

/** The row as HAProxy's agent reads it too. */
export type EpochRecord = EpochRow;

/**
 * The table on one node, made with the binlog off as accounts are: every node has it before the
 * monitor account is granted SELECT on it (a table grant needs the table) and before a promoted
 * master's row replicates to it. The row itself is written with the binlog on (recordEpoch).
 */
export async function ensureEpochTable(run: Run, session: MysqlSession): Promise<void> {
  await run.converge({
    name: 'topology epoch table',
    host: session.node.name,
    read: () => hasEpochTable(session),
    diff: (exists) => (exists ? null : `create ${table}`),
    describe: () => `${table} in place`,
    apply: async () => {
      await session.exec('SET SESSION sql_log_bin = 0');
      try {
        for (const statement of epochTableStatements) await session.exec(statement);
      } finally {
        await session.exec('SET SESSION sql_log_bin = 1');
      }
    },
  });
}

async function hasEpochTable(session: MysqlSession): Promise<boolean> {
  const count = await session.value(
    'SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?',
    [epochSchema, epochTable],
  );
  return count === '1';
}

/** The node's row; undefined when it has none, or no table yet (a --dry-run plans it without making it). */
export async function readEpoch(session: MysqlSession): Promise<EpochRecord | undefined> {
  if (!(await hasEpochTable(session))) return undefined;
  const row = await session.one(epochQuery);
  return row ? epochRowOf(row) : undefined;
}

/**
 * The promoted master's first write: epoch = the highest any reachable node holds + 1, naming it. A
 * rerun on a node whose own row already names it with the highest epoch changes nothing (no second bump).
 */
export async function recordEpoch(run: Run, master: MysqlSession, others: MysqlSession[]): Promise<void> {
  for (const session of [master, ...others]) await ensureEpochTable(run, session);
  await run.converge({
    name: 'topology epoch',
    host: master.node.name,
    read: async () => {
      const own = await readEpoch(master);
      const serverId = Number(await master.value('SELECT @@GLOBAL.server_id'));
      let highest = own?.epoch ?? 0;
      for (const other of others) highest = Math.max(highest, (await readEpoch(other))?.epoch ?? 0);
      return { own, serverId, highest };
    },
    diff: ({ own, serverId, highest }) =>
      own && own.masterServerId === serverId && own.epoch >= highest
        ? null
        : `record epoch ${highest + 1}: ${master.node.name} (server_id ${serverId}) is the master`,
    describe: ({ own }) => `epoch ${own?.epoch}: ${master.node.name} is the master`,
    apply: async ({ serverId, highest }) => {
      await master.exec(
        `INSERT INTO ${table} (id, epoch, master, master_server_id, promoted_at) VALUES (1, ?, ?, ?, NOW(6)) ON DUPLICATE KEY UPDATE epoch = VALUES(epoch), master = VALUES(master), master_server_id = VALUES(master_server_id), promoted_at = VALUES(promoted_at)`,
        [highest + 1, master.node.name, serverId],
      );
    },
  });
}
