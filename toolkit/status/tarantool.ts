import { TarantoolClient } from '../../lib/tarantool/iproto.ts';
import { resolveSecret } from '../inventory/secrets.ts';
import { replicatorMysqlCredential, tarantoolAdminCredential } from '../tarantool/credentials.ts';
import { measureLag } from '../tarantool/lag.ts';
import { describeLag } from '../tarantool/runbook.ts';
import { checkTimeoutMs, failedRow, type StatusContext, skippedRow } from './context.ts';
import type { StatusRow } from './report.ts';

/**
 * Tarantool (its user count), and the replicator that fills it from the master: connected (a binlog
 * dump thread of its account on the master) and how far its stored position is behind the master's
 * binlog, against the inventory's lag limit.
 */
export async function tarantoolRows(context: StatusContext): Promise<StatusRow[]> {
  const { inventory } = context;
  const target = inventory.tarantool;
  if (!target)
    return [
      skippedRow('tarantool', 'tarantool', `not in the ${inventory.name} inventory`),
      skippedRow('tarantool', 'replicator', `not in the ${inventory.name} inventory`),
    ];
  const address = `${target.host}:${target.port}`;
  const master = inventory.mysql.master;
  const replicatorRow = { component: 'tarantool', name: 'replicator', address: `${master.name} → tarantool` };
  let admin: TarantoolClient | undefined;
  try {
    const credential = tarantoolAdminCredential(inventory);
    admin = await TarantoolClient.connect({
      host: target.host,
      port: target.port,
      user: credential.user,
      password: resolveSecret(credential.password),
      connectTimeoutMs: checkTimeoutMs,
    });
  } catch (error) {
    return [
      failedRow({ component: 'tarantool', name: 'tarantool', address }, error),
      { ...replicatorRow, health: 'down', detail: 'Tarantool does not answer' },
    ];
  }
  try {
    const rows: StatusRow[] = [];
    try {
      const [count] = await admin.call('user_count');
      rows.push({
        component: 'tarantool',
        name: 'tarantool',
        address,
        health: 'up',
        detail: `${String(count)} users`,
      });
    } catch (error) {
      rows.push({
        ...failedRow({ component: 'tarantool', name: 'tarantool', address }, error),
        health: 'degraded',
      });
    }
    try {
      const session = await context.session(master);
      const lag = await measureLag(session, admin, 0);
      const user = replicatorMysqlCredential(inventory).user;
      const dumps = await session.query(
        "SELECT ID FROM information_schema.PROCESSLIST WHERE USER = ? AND COMMAND LIKE 'Binlog Dump%'",
        [user],
      );
      const limit = inventory.mysql.maxLagSeconds ?? 5;
      const connected = dumps.length > 0;
      const health = !connected ? 'down' : lag.caughtUp || lag.lagSeconds <= limit ? 'up' : 'degraded';
      const reading = connected
        ? `reads ${master.name}'s binlog as ${user}`
        : `not connected: no binlog dump thread of ${user} on ${master.name}`;
      rows.push({ ...replicatorRow, health, detail: `${reading}; ${describeLag(lag)}` });
    } catch (error) {
      rows.push(failedRow(replicatorRow, error));
    }
    return rows;
  } finally {
    admin.close();
  }
}
