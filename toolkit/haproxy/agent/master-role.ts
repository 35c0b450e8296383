import type { HaproxyRuntimeApi, ServerState } from './runtime-api.ts';

/** The servers that carry the master role: the writer's and the reader's fallbacks, by backend. */
export function masterRoleServers(name: string): Array<{ backend: string; server: string }> {
  return [
    { backend: 'writer', server: name },
    { backend: 'reader', server: `${name}-fallback` },
  ];
}

export function isMasterRole(s: Pick<ServerState, 'backend' | 'server'>): boolean {
  return s.backend === 'writer' || (s.backend === 'reader' && s.server.endsWith('-fallback'));
}

/**
 * Every master-role server but `keep`'s into maint, and its sessions ended: from here no new or pooled
 * connection reaches those nodes. failover.ts does this before anything changes role
 * (../switch-writer.ts); the agent's follow mode before it opens the node claiming the newest epoch.
 * Returns them as "backend/server".
 */
export async function isolateMasterRole(
  api: HaproxyRuntimeApi,
  socket: string,
  servers: ServerState[],
  keep?: string,
): Promise<string[]> {
  const keepers = new Set(keep ? masterRoleServers(keep).map((s) => `${s.backend}/${s.server}`) : []);
  const isolated: string[] = [];
  for (const s of servers.filter(isMasterRole)) {
    if (keepers.has(`${s.backend}/${s.server}`)) continue;
    if (!s.maint) await api.setServerState(socket, s.backend, s.server, 'maint');
    await api.shutdownSessions(socket, s.backend, s.server);
    isolated.push(`${s.backend}/${s.server}`);
  }
  return isolated;
}
