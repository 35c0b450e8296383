// The health agent's config as the toolkit renders it, from an inventory or compose's topology. The agent
// reads it with agent/config.ts, which ships in the app image without the toolkit.
import { stringify } from 'yaml';
import type { MysqlCluster } from '../inventory/schema.ts';
import { UsageError } from '../procedure/errors.ts';
import type { AgentConfig } from './agent/config.ts';

export const defaultPollIntervalMs = 500;
export const monitorPasswordEnv = 'MYSQL_MONITOR_PASSWORD';

/** What HAProxy and its agent are rendered from: an inventory, or compose's topology (compose-config.ts). */
export interface MysqlTopology {
  name: string;
  mysql: Pick<MysqlCluster, 'master' | 'slaves' | 'fenced' | 'maxLagSeconds' | 'monitor'>;
}

/** Every node of the inventory (master, slaves, fenced): HAProxy has a server for each. */
export function inventoryNodes(inventory: MysqlTopology) {
  const { master, slaves, fenced = [] } = inventory.mysql;
  return [master, ...slaves, ...fenced];
}

export function agentConfigOf(
  inventory: MysqlTopology,
  listen: { host: string; port: number },
  pollIntervalMs = defaultPollIntervalMs,
): AgentConfig {
  const monitor = inventory.mysql.monitor;
  if (!monitor)
    throw new UsageError(
      `inventory ${inventory.name}: mysql.monitor is required for the HAProxy health agent (a least-privilege account)`,
    );
  return {
    listen,
    pollIntervalMs,
    // Three missed polls: a hung node goes down within about 1.5 s, one slow answer does not flap it.
    staleAfterMs: pollIntervalMs * 3,
    maxLagSeconds: inventory.mysql.maxLagSeconds ?? 5,
    monitor: { user: monitor.user, passwordEnv: monitorPasswordEnv },
    nodes: inventoryNodes(inventory).map((n) => ({ name: n.name, host: n.host, port: n.port })),
  };
}

export function renderAgentConfig(config: AgentConfig, header: string): string {
  const comment = header
    .split('\n')
    .map((line) => `# ${line}`.trimEnd())
    .join('\n');
  return `${comment}\n${stringify(config)}`;
}
