import type { Inventory } from '../inventory/schema.ts';
import type { Run } from '../procedure/run.ts';
import { type Account, ensureAccount } from './account.ts';
import type { MysqlSession } from './session.ts';

/**
 * What the running app does on its schema: reads and writes rows (SELECT … FOR UPDATE needs SELECT and
 * UPDATE), nothing else. GET_LOCK, information_schema statistics of its own tables and @@read_only need no
 * privilege of their own. No DDL, no GRANT: a stolen app password cannot drop or widen anything.
 */
export const appPrivileges = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'];

/**
 * What migrations and the users generator do on the schema: its tables and indexes (CREATE, ALTER, DROP,
 * INDEX; REFERENCES for foreign keys on MySQL 8) and the rows a migration or a bulk load writes. Still no
 * GRANT and nothing outside the schema.
 */
export const migratePrivileges = [...appPrivileges, 'CREATE', 'ALTER', 'DROP', 'INDEX', 'REFERENCES'];

/** The app's account and, when the inventory names one, the migrations' account, as they must be on every node. */
export function appAccounts(inventory: Inventory): Account[] {
  const { database, app, migrate } = inventory.mysql;
  const accounts: Account[] = [
    {
      user: app.user,
      host: '%',
      password: app.password,
      grants: [{ privileges: appPrivileges, database }],
      purpose: `${appPrivileges.join(', ')} on ${database} only`,
    },
  ];
  if (migrate)
    accounts.push({
      user: migrate.user,
      host: '%',
      password: migrate.password,
      grants: [{ privileges: migratePrivileges, database }],
      purpose: `${migratePrivileges.join(', ')} on ${database} only`,
    });
  return accounts;
}

/**
 * Both accounts on one node, by the one account writer: created, re-passworded, or reduced to exactly
 * these privileges (an environment made when the app held ALL PRIVILEGES converges on its next run).
 */
export async function ensureAppAccounts(
  run: Run,
  inventory: Inventory,
  session: MysqlSession,
): Promise<void> {
  const [app, migrate] = appAccounts(inventory);
  await ensureAccount(run, session, 'app user', app!);
  if (migrate) await ensureAccount(run, session, 'migrate user', migrate);
}
