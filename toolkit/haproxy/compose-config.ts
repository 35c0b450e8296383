import type { AgentConfig } from './agent/config.ts';
import type { MysqlTopology } from './agent-config.ts';
import { agentConfigOf, renderAgentConfig } from './agent-config.ts';
import { type HaproxyLayout, inventoryOpenServers, renderHaproxyConfig } from './config.ts';

/**
 * compose's MySQL topology: docker-compose.yml's `db` and docker-compose-replication.yml's slaves on
 * the same host (by their network aliases). compose/haproxy/ holds the rendering of this, checked by
 * compose-config.test.ts; `npx vitest run toolkit/haproxy/compose-config.test.ts -u` rewrites it.
 */
export const composeTopology: MysqlTopology = {
  name: 'compose',
  mysql: {
    master: { name: 'db', host: 'db', port: 3306 },
    slaves: [
      { name: 'db-slave-1', host: 'db-slave-1', port: 3306 },
      { name: 'db-slave-2', host: 'db-slave-2', port: 3306 },
    ],
    maxLagSeconds: 5,
    monitor: { user: 'monitor', password: 'env:MYSQL_MONITOR_PASSWORD' },
  },
};

/** The agent shares HAProxy's network namespace (network_mode: service:haproxy), so it stays on 127.0.0.1. */
export const composeAgentListen = { host: '127.0.0.1', port: 9300 };

export const composeLayout: HaproxyLayout = {
  // Inside the container: every interface of the compose network; the host publishes it on 127.0.0.1.
  bindHost: '0.0.0.0',
  writerPort: 3306,
  readerPort: 3307,
  // The official image's haproxy user owns /var/lib/haproxy (a volume here).
  adminSocket: '/var/lib/haproxy/admin.sock',
  agent: composeAgentListen,
  // Docker's DNS: a slave whose container is not up yet starts in maint and joins once it resolves.
  nameserver: '127.0.0.11:53',
  // Every server starts in maint; the health agent opens them over the admin socket (a volume it
  // mounts too, running as HAProxy's user) once its first answers are in: agent/server-opener.ts.
  startClosed: true,
};

/**
 * The agent's config beside compose's layout (compose and the stacks): it listens where HAProxy asks
 * it, opens the readers of a fresh HAProxy over the shared admin socket and, since no runbook reaches
 * that socket there, moves the writer itself to the writable node claiming the newest topology epoch
 * (followWriter, agent/follower.ts). The topology's master is the initial one, followed until a
 * promotion records an epoch.
 */
export function composeAgentConfigOf(topology: MysqlTopology): AgentConfig {
  return {
    ...agentConfigOf(topology, composeAgentListen),
    openServers: { socket: composeLayout.adminSocket, servers: inventoryOpenServers(topology) },
    followWriter: true,
  };
}

export function composeHaproxyConfig(): string {
  return renderHaproxyConfig(composeTopology, composeLayout);
}

export function composeAgentConfig(): string {
  return renderAgentConfig(
    composeAgentConfigOf(composeTopology),
    "HAProxy's health agent for compose (toolkit/haproxy/agent/), rendered by\n" +
      'toolkit/haproxy/compose-config.ts: change the renderer, not this file. The password is in the\n' +
      'variable passwordEnv names, never here.',
  );
}
