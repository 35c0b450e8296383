import type { Credential, Inventory } from '../inventory/schema.ts';

/**
 * Who the Tarantool runbook, the app and the replicator log in as. The inventory has one optional
 * Tarantool credential (the operator's, admin); the rest follow a naming convention until the
 * inventory grows fields for them: local secrets in the local environment, environment variables
 * (as compose names them) elsewhere.
 */
export function tarantoolAdminCredential(inventory: Inventory): Credential {
  return (
    inventory.tarantool?.credential ??
    (inventory.name === 'local'
      ? { user: 'admin', password: 'local:tarantool-admin' }
      : { user: 'admin', password: 'env:TARANTOOL_ADMIN_PASSWORD' })
  );
}

export function tarantoolAppCredential(inventory: Inventory): Credential {
  return inventory.name === 'local'
    ? { user: 'app', password: 'local:tarantool-app' }
    : { user: 'app', password: 'env:TARANTOOL_PASSWORD' };
}

/** The MySQL account the replicator reads the binlog with: REPLICATION SLAVE, REPLICATION CLIENT, SELECT on its tables. */
export function replicatorMysqlCredential(inventory: Inventory): Credential {
  return inventory.name === 'local'
    ? { user: 'replicator', password: 'local:mysql-replicator' }
    : { user: 'replicator', password: 'env:MYSQL_REPLICATOR_PASSWORD' };
}

export const localTarantoolSecretKeys = ['tarantool-admin', 'tarantool-app', 'mysql-replicator'] as const;
