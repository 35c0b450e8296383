import type { Credential, Inventory } from '../inventory/schema.ts';
import { UsageError } from '../procedure/errors.ts';

/** An account the toolkit owns whose password the rotation runbook changes. */
export interface RotatableAccount {
  /** The runbook's argument: the role, as docs/stacks.md and the inventory name it. */
  name: RotatableName;
  credential: Credential;
  /** The stack's config key for the same password (stacks/config.ts), when a stack holds one. */
  stackKey?: string;
  /** Who logs in with it, for the report. */
  consumers: string;
}

/**
 * The MySQL accounts the toolkit creates and clients hold. Not the admin (the runbooks' own login) nor
 * the replication account (each slave keeps its password in its replica settings: CHANGE MASTER on
 * every slave, a different procedure).
 */
export const rotatableNames = ['app', 'app_migrate', 'monitor', 'exporter', 'replicator'] as const;
export type RotatableName = (typeof rotatableNames)[number];

export function isRotatable(name: string): name is RotatableName {
  return (rotatableNames as readonly string[]).includes(name);
}

export function rotatableAccount(inventory: Inventory, name: RotatableName): RotatableAccount {
  const { mysql } = inventory;
  const found: Record<RotatableName, () => Omit<RotatableAccount, 'name'> | undefined> = {
    app: () => ({ credential: mysql.app, stackKey: 'mysqlAppPassword', consumers: 'the app instances' }),
    app_migrate: () =>
      mysql.migrate && {
        credential: mysql.migrate,
        stackKey: 'mysqlMigratePassword',
        consumers: 'migrations and the users generator (no long-running process)',
      },
    monitor: () =>
      mysql.monitor && {
        credential: mysql.monitor,
        stackKey: 'mysqlMonitorPassword',
        consumers: "HAProxy's health agent",
      },
    exporter: () => mysql.exporter && { credential: mysql.exporter, consumers: 'the mysqld exporters' },
    replicator: () => {
      const credential = inventory.tarantool?.replicatorCredential;
      return (
        credential && {
          credential,
          stackKey: 'mysqlReplicatorPassword',
          consumers: 'the MySQL → Tarantool replicator',
        }
      );
    },
  };
  const account = found[name]();
  if (!account) throw new UsageError(`inventory ${inventory.name} has no ${name} account`);
  return { name, ...account };
}
