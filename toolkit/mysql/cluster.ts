import type { Inventory, MysqlNode } from '../inventory/schema.ts';
import type { Run } from '../procedure/run.ts';
import { MysqlSession } from './session.ts';

/** Opens an admin session per node as a check step each; every session closes with the run. */
export async function connectNodes(
  run: Run,
  inventory: Inventory,
  nodes: MysqlNode[],
): Promise<Map<string, MysqlSession>> {
  const sessions = new Map<string, MysqlSession>();
  for (const node of nodes) {
    await run.check('reachable', node.name, async () => {
      const session = await MysqlSession.open(node, inventory.mysql.admin);
      run.onClose(() => session.close());
      sessions.set(node.name, session);
      return `${session.flavor.label} at ${node.host}:${node.port}`;
    });
  }
  return sessions;
}

/** Fails when two nodes are one server (same server_id or server_uuid): a slave would replicate from itself. */
export async function checkIdentities(run: Run, sessions: Map<string, MysqlSession>): Promise<void> {
  await run.check('unique server ids', 'cluster', async () => {
    const seen = new Map<string, string>();
    const ids: string[] = [];
    for (const [name, session] of sessions) {
      const id = String(await session.serverId());
      const keys = [`server_id ${id}`];
      if (session.flavor.hasServerUuid)
        keys.push(`server_uuid ${await session.value('SELECT @@GLOBAL.server_uuid')}`);
      for (const key of keys) {
        const other = seen.get(key);
        if (other) throw new Error(`${other} and ${name} have the same ${key}; give each server its own`);
        seen.set(key, name);
      }
      ids.push(`${name}=${id}`);
    }
    return ids.join(', ');
  });
}

/** Requires binlog, ROW format, GTIDs and log-slave-updates, naming what to set where it is off. */
export async function checkReplicationSettings(run: Run, sessions: Map<string, MysqlSession>): Promise<void> {
  for (const [name, session] of sessions) {
    await run.check('binlog and GTID settings', name, async () => {
      const wanted = session.flavor.gtidRequirements;
      const actual = await session.variables(Object.keys(wanted));
      const wrong = Object.entries(wanted)
        .filter(([k, v]) => (actual[k] ?? '').toUpperCase() !== v)
        .map(([k, v]) => `${k} is ${actual[k] || 'unset'}, needs ${v}`);
      if (wrong.length)
        throw new Error(`${wrong.join('; ')} (set it in the server's option file and restart)`);
      return Object.entries(actual)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ');
    });
  }
}
