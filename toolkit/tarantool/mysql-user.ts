import type { Credential } from '../inventory/schema.ts';
import { resolveSecret } from '../inventory/secrets.ts';
import type { MysqlSession } from '../mysql/session.ts';
import type { Run } from '../procedure/run.ts';

const host = '%';

function wanted(database: string, tables: string[], mysqlFlavor: boolean): string[] {
  // MySQL has no lock-free snapshot position: FLUSH TABLES WITH READ LOCK needs RELOAD there.
  const global = mysqlFlavor
    ? 'RELOAD, REPLICATION SLAVE, REPLICATION CLIENT'
    : 'REPLICATION SLAVE, REPLICATION CLIENT';
  return [`${global} ON *.*`, ...tables.map((t) => `SELECT ON \`${database}\`.\`${t}\``)];
}

/**
 * The replicator's MySQL account on one node (every node gets it, so a promoted slave serves it too):
 * reads the binlog and the mapped tables, nothing else. Created with sql_log_bin off, like the
 * replication user, so it adds no GTID of its own.
 */
export async function ensureReplicatorUser(
  run: Run,
  session: MysqlSession,
  credential: Credential,
  database: string,
  tables: string[],
): Promise<void> {
  const { user, password: ref } = credential;
  const isMysql = !/mariadb/i.test(String(await session.value('SELECT VERSION()')));
  await run.converge({
    name: 'replicator user',
    host: session.node.name,
    read: async () => {
      const account = await session.account(user, host, resolveSecret(ref));
      return { ...account, grants: account.grants.map(normalizeGrant) };
    },
    diff: (s) => {
      if (!s.exists) return `create '${user}'@'${host}' (binlog and SELECT on ${tables.join(', ')})`;
      const want = wanted(database, tables, isMysql);
      const have = s.grants.filter((g) => !g.startsWith('USAGE '));
      if (want.length !== have.length || want.some((g) => !have.includes(g)))
        return `set the grants of '${user}' to ${want.join('; ')} (has ${have.join('; ') || 'nothing'})`;
      if (!s.passwordOk) return `reset the password of '${user}' from ${ref}`;
      return null;
    },
    describe: () => `'${user}'@'${host}': binlog and SELECT on ${tables.join(', ')}`,
    apply: async () => {
      const password = resolveSecret(ref);
      await session.exec('SET SESSION sql_log_bin = 0');
      try {
        await session.exec('CREATE USER IF NOT EXISTS ?@? IDENTIFIED BY ?', [user, host, password]);
        await session.exec('ALTER USER ?@? IDENTIFIED BY ?', [user, host, password]);
        await session.exec('REVOKE ALL PRIVILEGES, GRANT OPTION FROM ?@?', [user, host]);
        for (const grant of wanted(database, tables, isMysql))
          await session.exec(`GRANT ${grant} TO ?@?`, [user, host]);
      } finally {
        await session.exec('SET SESSION sql_log_bin = 1');
      }
    },
  });
}

/** "GRANT X ON y TO `u`@`%` IDENTIFIED BY PASSWORD '...'" → "X ON y"; MariaDB 10.5+ says BINLOG MONITOR for REPLICATION CLIENT. */
export function normalizeGrant(grant: string): string {
  const match = /^GRANT (.+?) ON (\S+) TO /i.exec(grant);
  if (!match) return grant;
  const privileges = match[1]!.toUpperCase().replace('BINLOG MONITOR', 'REPLICATION CLIENT');
  const ordered = privileges
    .split(',')
    .map((p) => p.trim())
    .sort((a, b) => order(a) - order(b))
    .join(', ');
  return `${ordered} ON ${match[2]}`;
}

function order(privilege: string): number {
  const known = ['RELOAD', 'REPLICATION SLAVE', 'REPLICATION CLIENT'];
  const i = known.indexOf(privilege);
  return i === -1 ? known.length : i;
}
