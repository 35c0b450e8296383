import type { Credential, Inventory } from '../inventory/schema.ts';

/**
 * Who the Tarantool runbook, the app and the replicator log in as: the inventory's fields when it has
 * them (the local environment's source fills all three with its generated secrets), else the
 * environment variables compose names them by.
 */
export function tarantoolAdminCredential(inventory: Inventory): Credential {
  return inventory.tarantool?.credential ?? { user: 'admin', password: 'env:TARANTOOL_ADMIN_PASSWORD' };
}

export function tarantoolAppCredential(inventory: Inventory): Credential {
  return inventory.tarantool?.appCredential ?? { user: 'app', password: 'env:TARANTOOL_PASSWORD' };
}

/** The MySQL account the replicator reads the binlog with: REPLICATION SLAVE, REPLICATION CLIENT, SELECT on its tables. */
export function replicatorMysqlCredential(inventory: Inventory): Credential {
  return (
    inventory.tarantool?.replicatorCredential ?? {
      user: 'replicator',
      password: 'env:MYSQL_REPLICATOR_PASSWORD',
    }
  );
}

export const localTarantoolSecretKeys = ['tarantool-admin', 'tarantool-app', 'mysql-replicator'] as const;

/**
 * Where the replicator reads the binlog: the writer, so that a failover moves it to the new master.
 * Through HAProxy's writer endpoint when the inventory has one (it follows a failover by itself),
 * else the inventory's current master (whoever starts the replicator restarts it when that changes).
 */
export function replicatorSource(inventory: Inventory): { host: string; port: number } {
  if (inventory.haproxy) return { host: inventory.haproxy.host, port: inventory.haproxy.writerPort };
  return { host: inventory.mysql.master.host, port: inventory.mysql.master.port };
}
