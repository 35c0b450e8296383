import type { MysqlNode } from '../inventory/schema.ts';
import type { MysqlSession } from '../mysql/session.ts';
import { failedRow, type StatusContext } from './context.ts';
import type { StatusRow } from './report.ts';

type Role = 'master' | 'slave' | 'fenced';

/**
 * One row per MySQL node of the inventory, read-only: reachable, read_only where it must be (the master
 * writable, slaves and fenced nodes not), replication threads, lag against the inventory's limit, the
 * source each slave follows, semi-sync in effect (status counters, not variables).
 */
export async function mysqlRows(context: StatusContext): Promise<StatusRow[]> {
  const { mysql } = context.inventory;
  const nodes: [MysqlNode, Role][] = [
    [mysql.master, 'master'],
    ...mysql.slaves.map((n): [MysqlNode, Role] => [n, 'slave']),
    ...(mysql.fenced ?? []).map((n): [MysqlNode, Role] => [n, 'fenced']),
  ];
  return Promise.all(
    nodes.map(async ([node, role]) => {
      const row = { component: `mysql ${role}`, name: node.name, address: `${node.host}:${node.port}` };
      try {
        const session = await context.session(node);
        const serverId = Number(await session.value('SELECT @@GLOBAL.server_id'));
        context.serverIds.set(serverId, node.name);
        return { ...row, ...(await nodeHealth(context, session, role)) };
      } catch (error) {
        return failedRow(row, error);
      }
    }),
  );
}

async function nodeHealth(
  context: StatusContext,
  session: MysqlSession,
  role: Role,
): Promise<Pick<StatusRow, 'health' | 'detail'>> {
  const { mysql } = context.inventory;
  const names = session.flavor.semisync;
  const readOnly = (await session.value('SELECT @@GLOBAL.read_only')) === '1';
  if (role === 'master') {
    const s = await session.status([names.sourceStatus, names.sourceClients]);
    const want = mysql.slaves.length;
    const semi = `semi-sync ${s[names.sourceStatus] ?? 'not loaded'}, ${s[names.sourceClients] ?? 0}/${want} clients`;
    const problems: string[] = [];
    if (readOnly) problems.push('read_only: no node takes writes (failover.mjs, or replication.mjs)');
    if (want > 0 && s[names.sourceStatus] !== 'ON')
      problems.push('semi-sync is not in effect: run semisync.mjs');
    else if (Number(s[names.sourceClients]) < want) problems.push('fewer semi-sync clients than slaves');
    return verdict(`${session.flavor.label}, ${semi}`, problems);
  }
  if (role === 'fenced')
    return readOnly
      ? {
          health: 'up',
          detail: `fenced former master, read_only; rejoin: npx zx scripts/replication.mjs --rejoin ${session.node.name}`,
        }
      : {
          health: 'degraded',
          detail: 'fenced former master is WRITABLE: run npx zx scripts/failover.mjs to fence it',
        };
  const status = await session.one(session.flavor.showReplicaStatus);
  if (!status) return { health: 'degraded', detail: 'not replicating: run npx zx scripts/replication.mjs' };
  const r = session.flavor.parseReplicaStatus(status);
  const semi = (await session.status([names.replicaStatus]))[names.replicaStatus] ?? 'not loaded';
  const lag = r.secondsBehind;
  const problems: string[] = [];
  if (r.ioState !== 'Yes') problems.push(`IO thread ${r.ioState}${r.ioError ? `: ${r.ioError}` : ''}`);
  if (!r.sqlRunning) problems.push(`SQL thread stopped${r.sqlError ? `: ${r.sqlError}` : ''}`);
  if (lag !== null && mysql.maxLagSeconds !== undefined && lag > mysql.maxLagSeconds)
    problems.push(`lag over the inventory's ${mysql.maxLagSeconds} s`);
  const master = mysql.master;
  const follows = [
    `${master.replicationHost ?? master.host}:${master.port}`,
    `${master.host}:${master.port}`,
  ];
  if (!follows.includes(`${r.sourceHost}:${r.sourcePort}`))
    problems.push(`replicates from ${r.sourceHost}:${r.sourcePort}, not the master ${master.name}`);
  if (!readOnly) problems.push('writable: a slave must be read_only');
  const detail = `from ${r.sourceHost}:${r.sourcePort}, io ${r.ioState}, sql ${r.sqlRunning ? 'Yes' : 'No'}, lag ${lag ?? '?'} s, semi-sync ${semi}`;
  return verdict(detail, problems);
}

function verdict(detail: string, problems: string[]): Pick<StatusRow, 'health' | 'detail'> {
  return problems.length
    ? { health: 'degraded', detail: `${detail}; ${problems.join('; ')}` }
    : { health: 'up', detail };
}
