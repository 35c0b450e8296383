import type { Credential, Inventory } from '../inventory/schema.ts';
import { type Account, ensureAccount } from '../mysql/account.ts';
import { MysqlSession } from '../mysql/session.ts';
import type { Run } from '../procedure/run.ts';
import { replicatorMysqlCredential } from './credentials.ts';

/**
 * The replicator's MySQL account: reads the binlog and the mapped tables, nothing else. MySQL has no
 * lock-free snapshot position: FLUSH TABLES WITH READ LOCK needs RELOAD there.
 */
export function replicatorAccount(
  credential: Credential,
  database: string,
  tables: string[],
  mysqlFlavor: boolean,
): Account {
  const binlog = mysqlFlavor
    ? ['RELOAD', 'REPLICATION SLAVE', 'REPLICATION CLIENT']
    : ['REPLICATION SLAVE', 'REPLICATION CLIENT'];
  return {
    user: credential.user,
    host: '%',
    password: credential.password,
    grants: [{ privileges: binlog }, ...tables.map((table) => ({ privileges: ['SELECT'], database, table }))],
    purpose: `binlog and SELECT on ${tables.join(', ')}`,
  };
}

/** The replicator's account on one node (every node gets it, so a promoted slave serves it too). */
export async function ensureReplicatorUser(
  run: Run,
  session: MysqlSession,
  credential: Credential,
  database: string,
  tables: string[],
): Promise<void> {
  const account = replicatorAccount(credential, database, tables, session.flavor.version.kind !== 'mariadb');
  await ensureAccount(run, session, 'replicator user', account);
}

/** The replicator's account on the master and every slave, each through an admin session of its own. */
export async function ensureReplicatorUsers(run: Run, inventory: Inventory, tables: string[]): Promise<void> {
  for (const node of [inventory.mysql.master, ...inventory.mysql.slaves]) {
    const session = await MysqlSession.open(node, inventory.mysql.admin);
    try {
      await ensureReplicatorUser(
        run,
        session,
        replicatorMysqlCredential(inventory),
        inventory.mysql.database,
        tables,
      );
    } finally {
      await session.close();
    }
  }
}
