import type { Inventory } from '../inventory/schema.ts';
import { UsageError } from '../procedure/errors.ts';
import type { Run } from '../procedure/run.ts';
import { ensureAccount } from './account.ts';
import type { MysqlSession } from './session.ts';

/** The agent holds one connection per node; a few spare for a restart that overlaps the old process. */
const maxConnections = 4;

/**
 * The HAProxy health agent's account (toolkit/haproxy/agent.ts) on one node: the flavor's replica-status privilege and nothing else
 * (read_only and server_id need none), a few connections at most. Kept by the one account writer (binlog off, on
 * every node, so that a promoted slave has it too); the connection limit is its own step.
 */
export async function ensureMonitorUser(
  run: Run,
  inventory: Inventory,
  session: MysqlSession,
): Promise<void> {
  const monitor = inventory.mysql.monitor;
  if (!monitor) throw new UsageError(`inventory ${inventory.name}: mysql.monitor is not set`);
  const { user, password } = monitor;
  const host = '%';
  const privilege = session.flavor.monitorPrivilege;
  await ensureAccount(run, session, 'monitor user', {
    user,
    host,
    password,
    grants: [{ privileges: [privilege] }],
    purpose: `${privilege} only`,
  });
  await run.converge({
    name: 'monitor user connections',
    host: session.node.name,
    read: () =>
      session.value('SELECT max_user_connections FROM mysql.user WHERE User = ? AND Host = ?', [user, host]),
    diff: (limit) =>
      Number(limit) === maxConnections ? null : `limit '${user}' to ${maxConnections} connections`,
    describe: () => `'${user}'@'${host}': ${maxConnections} connections at most`,
    apply: async () => {
      await session.exec('SET SESSION sql_log_bin = 0');
      try {
        await session.exec(`ALTER USER ?@? WITH MAX_USER_CONNECTIONS ${maxConnections}`, [user, host]);
      } finally {
        await session.exec('SET SESSION sql_log_bin = 1');
      }
    },
  });
}
