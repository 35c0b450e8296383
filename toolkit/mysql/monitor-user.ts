import type { Inventory } from '../inventory/schema.ts';
import { resolveSecret } from '../inventory/secrets.ts';
import { UsageError } from '../procedure/errors.ts';
import type { Run } from '../procedure/run.ts';
import type { MysqlSession } from './session.ts';

/** The agent holds one connection per node; a few spare for a restart that overlaps the old process. */
const maxConnections = 4;

/**
 * The HAProxy health agent's account (toolkit/haproxy/agent.ts) on one node: the flavor's replica-status privilege and nothing else
 * (read_only and server_id need none), a few connections at most. Made with sql_log_bin off on
 * every node, like the replication user, so that a promoted slave has it too.
 */
export async function ensureMonitorUser(
  run: Run,
  inventory: Inventory,
  session: MysqlSession,
): Promise<void> {
  const monitor = inventory.mysql.monitor;
  if (!monitor) throw new UsageError(`inventory ${inventory.name}: mysql.monitor is not set`);
  const { user, password: ref } = monitor;
  const host = '%';
  const privilege = session.flavor.monitorPrivilege;
  await run.converge({
    name: 'monitor user',
    host: session.node.name,
    read: async () => ({
      account: await session.account(user, host, resolveSecret(ref)),
      limit: await session.value('SELECT max_user_connections FROM mysql.user WHERE User = ? AND Host = ?', [
        user,
        host,
      ]),
    }),
    diff: ({ account, limit }) => {
      if (!account.exists) return `create '${user}'@'${host}' with ${privilege} only`;
      const privileges = account.grants
        .map((g) => /^GRANT (.+?) ON /i.exec(g)?.[1]?.toUpperCase() ?? g)
        .filter((p) => p !== 'USAGE');
      if (privileges.length !== 1 || privileges[0] !== privilege)
        return `reduce '${user}' to ${privilege} (has ${privileges.join('; ') || 'nothing'})`;
      if (!account.passwordOk) return `reset the password of '${user}' from ${ref}`;
      if (Number(limit) !== maxConnections) return `limit '${user}' to ${maxConnections} connections`;
      return null;
    },
    describe: () => `'${user}'@'${host}': ${privilege} only, ${maxConnections} connections at most`,
    apply: async () => {
      const password = resolveSecret(ref);
      await session.exec('SET SESSION sql_log_bin = 0');
      try {
        await session.exec('CREATE USER IF NOT EXISTS ?@? IDENTIFIED BY ?', [user, host, password]);
        await session.exec(`ALTER USER ?@? IDENTIFIED BY ? WITH MAX_USER_CONNECTIONS ${maxConnections}`, [
          user,
          host,
          password,
        ]);
        await session.exec('REVOKE ALL PRIVILEGES, GRANT OPTION FROM ?@?', [user, host]);
        await session.exec(`GRANT ${privilege} ON *.* TO ?@?`, [user, host]);
      } finally {
        await session.exec('SET SESSION sql_log_bin = 1');
      }
    },
  });
}
