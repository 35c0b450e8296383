import { agentStatus } from '../haproxy/processes.ts';
import { findBinary } from '../host/binaries.ts';
import { isAlive } from '../host/process.ts';
import type { Inventory } from '../inventory/schema.ts';
import { ToolkitError } from '../procedure/errors.ts';
import { alertmanagerBinaries } from '../prometheus/alertmanager.ts';
import { collectStatus, type StatusPart } from '../status/collect.ts';
import type { StatusRow } from '../status/report.ts';
import { localHost, localInventory } from './inventory.ts';
import { hasState, type LocalService, type LocalState, loadState } from './state.ts';

type Collect = () => Promise<StatusRow[]>;

/** The status command's extension for the local environment (see toolkit/status/cli.ts); none for the others. */
export function localStatusFor(
  inventory: Inventory,
): ((collect: Collect) => Promise<StatusRow[]>) | undefined {
  return inventory.name === 'local' ? (collect) => localStatusRows(collect) : undefined;
}

/** The local environment's status: the rows of its inventory (toolkit/status), or of some of its parts. */
export function localStatus(parts?: readonly StatusPart[]): Promise<StatusRow[]> {
  return localStatusRows(() => collectStatus(localInventory(loadState()), parts));
}

const notInstalled: Record<string, { binaries: string[]; hint: string }> = {
  haproxy: { binaries: ['haproxy'], hint: 'haproxy is not installed (apt-get install haproxy)' },
  tarantool: { binaries: ['tarantool'], hint: 'tarantool is not installed (apt-get install tarantool)' },
  clickhouse: {
    binaries: ['clickhouse-server', 'clickhouse'],
    hint: 'clickhouse-server is not installed (apt-get install clickhouse-server)',
  },
  prometheus: { binaries: ['prometheus'], hint: 'prometheus is not installed (apt-get install prometheus)' },
  alertmanager: {
    binaries: alertmanagerBinaries,
    hint: 'prometheus-alertmanager is not installed (apt-get install prometheus-alertmanager)',
  },
};

/**
 * The same rows, with what only this machine knows: which process `up` started (its pid), a part that
 * is not installed here (skipped) rather than merely absent from the inventory, a part `up` has not
 * started (down: not running), and HAProxy's health agent, which the inventory does not name.
 */
async function localStatusRows(collect: Collect): Promise<StatusRow[]> {
  if (!hasState()) throw new ToolkitError('the local environment is not set up: run npm run up');
  const state = loadState();
  const rows = await collect();
  const out: StatusRow[] = [];
  for (const row of rows) {
    const part = row.component.split(' ')[0]!;
    const missing = notInstalled[part];
    if (missing && !findBinary(missing.binaries)) {
      out.push({ ...row, address: '-', health: 'skipped', detail: missing.hint });
      continue;
    }
    if (row.health === 'skipped' && row.detail.startsWith('not in the local inventory')) {
      out.push(...notStarted(row, state));
      continue;
    }
    out.push(withProcess(row, state));
    if (row.component === 'haproxy' && row.name === 'reader' && state.haproxy)
      out.push(await agentRow(state));
  }
  const agent = out.find((r) => r.component === 'haproxy' && r.name === 'agent');
  if (agent?.health === 'down')
    for (const r of out)
      if (r.component === 'haproxy' && r.name !== 'agent' && r.health === 'up')
        Object.assign(r, { health: 'degraded', detail: `${r.detail}, agent not answering` });
  return out;
}

/** A part the local inventory leaves out because `up` has not started it (or `down` stopped it). */
function notStarted(row: StatusRow, state: LocalState): StatusRow[] {
  const down = (component: string, name: string, address = '-'): StatusRow => ({
    component,
    name,
    address,
    health: 'down',
    detail: 'not running',
  });
  if (row.component === 'haproxy') return ['writer', 'reader', 'agent'].map((n) => down('haproxy', n));
  if (row.component === 'app')
    return [...['app', 'app-2'].map((n) => down('app', n)), down('nginx', 'nginx')];
  if (row.component === 'tarantool' && !state.services.tarantool) return [down('tarantool', row.name)];
  if (row.component === 'clickhouse') return [down('clickhouse', 'clickhouse')];
  if (row.component === 'prometheus') return [down('prometheus', 'prometheus')];
  if (row.component === 'alertmanager') return [down('alertmanager', 'alertmanager')];
  if (row.component === 'binlog-archive') return [down('binlog-archive', 'archiver')];
  return [row];
}

function service(row: StatusRow, state: LocalState): LocalService | undefined {
  if (row.component === 'prometheus' || row.component === 'alertmanager')
    return state.monitoring?.[row.component];
  const key = row.component === 'tarantool' ? row.name : row.component === 'app' ? row.name : row.component;
  return state.services[key as keyof LocalState['services']];
}

/** Prefixes the process `up` started for the row (or says it is gone). */
function withProcess(row: StatusRow, state: LocalState): StatusRow {
  if (row.component.startsWith('mysql')) {
    const node = state.mysql.nodes.find((n) => n.name === row.name);
    return row.health === 'down' && !isAlive(node?.pid) ? { ...row, detail: 'not running' } : row;
  }
  const known = service(row, state);
  if (!known || row.component === 'haproxy') return row;
  if (known.owned && !isAlive(known.pid))
    return {
      ...row,
      health: 'down',
      detail: row.health === 'down' ? 'not running' : `not running (pid ${known.pid} gone); ${row.detail}`,
    };
  const owner = !known.owned
    ? 'reused'
    : row.component === 'app' || row.component === 'redis' || row.component === 'rabbitmq'
      ? `ours, pid ${known.pid}`
      : `pid ${known.pid}`;
  return { ...row, detail: row.detail ? `${owner}, ${row.detail}` : owner };
}

async function agentRow(state: LocalState): Promise<StatusRow> {
  const { agentPort } = state.haproxy!;
  const address = `${localHost}:${agentPort}`;
  return agentStatus({ host: localHost, port: agentPort }).then(
    (s): StatusRow => ({
      component: 'haproxy',
      name: 'agent',
      address,
      health: 'up',
      detail: `answering for ${Object.keys(s.nodes).join(', ')}`,
    }),
    (error: Error): StatusRow => ({
      component: 'haproxy',
      name: 'agent',
      address,
      health: 'down',
      detail: `not answering (${error.message}): HAProxy keeps the servers' last state; npm run up restarts it`,
    }),
  );
}
