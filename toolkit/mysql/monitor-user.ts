import { epochSchema, epochTable } from '../haproxy/agent/epoch-row.ts';
import type { Credential, Inventory } from '../inventory/schema.ts';
import { UsageError } from '../procedure/errors.ts';
import type { Run } from '../procedure/run.ts';
import { ensureAccount, type Grant } from './account.ts';
import type { MysqlSession } from './session.ts';
import { ensureEpochTable } from './topology-epoch.ts';

/** The agent holds one connection per node; a few spare for a restart that overlaps the old process. */
const monitorConnections = 4;
/** An exporter opens one connection per scrape; two scrapes may overlap when the server is slow. */
const exporterConnections = 3;

/**
 * The HAProxy health agent's account (toolkit/haproxy/agent/) on one node: the flavor's replica-status privilege and
 * SELECT on the topology epoch's table, nothing else (read_only and server_id need none), a few connections at most. Kept by the one account writer (binlog off, on
 * every node, so that a promoted slave has it too); the connection limit is its own step.
 */
export async function ensureMonitorUser(
  run: Run,
  inventory: Inventory,
  session: MysqlSession,
): Promise<void> {
  const monitor = inventory.mysql.monitor;
  if (!monitor) throw new UsageError(`inventory ${inventory.name}: mysql.monitor is not set`);
  // The agent's follow mode reads the topology epoch (a table grant needs the table first).
  await ensureEpochTable(run, session);
  await ensureObserverAccount(run, session, monitor, 'monitor user', monitorConnections, [
    { privileges: ['SELECT'], database: epochSchema, table: epochTable },
  ]);
}

/**
 * prometheus-mysqld-exporter's account on one node: the same replica-status privilege, nothing else. The
 * exporter runs only the collectors that need no more (global status and variables, replica status; not
 * the processlist or InnoDB tables, which PROCESS would open, and with it every session's statement text).
 */
export async function ensureExporterUser(
  run: Run,
  inventory: Inventory,
  session: MysqlSession,
): Promise<void> {
  const exporter = inventory.mysql.exporter;
  if (!exporter) throw new UsageError(`inventory ${inventory.name}: mysql.exporter is not set`);
  await ensureObserverAccount(run, session, exporter, 'exporter user', exporterConnections);
}

async function ensureObserverAccount(
  run: Run,
  session: MysqlSession,
  credential: Credential,
  step: string,
  maxConnections: number,
  tableGrants: Grant[] = [],
): Promise<void> {
  const { user, password } = credential;
  const host = '%';
  const privilege = session.flavor.monitorPrivilege;
  const tables = tableGrants.map((g) => `, ${g.privileges.join(', ')} on ${g.database}.${g.table}`).join('');
  await ensureAccount(run, session, step, {
    user,
    host,
    password,
    grants: [{ privileges: [privilege] }, ...tableGrants],
    purpose: `${privilege}${tables} only`,
  });
  await run.converge({
    name: `${step} connections`,
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
