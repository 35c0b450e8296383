import type { HaproxyRuntimeApi, ServerState } from './runtime-api.ts';

export interface ServerRef {
  backend: string;
  server: string;
}

/** The wanted servers HAProxy still holds in maint, as "backend/server". */
export function closedServers(current: ServerState[], wanted: ServerRef[]): string[] {
  return wanted
    .filter((w) => current.some((s) => s.backend === w.backend && s.server === w.server && s.maint))
    .map((w) => `${w.backend}/${w.server}`);
}

/**
 * Takes servers out of maint without trusting them yet: first their agent result is set down, then
 * they are made ready. HAProxy 2.6 would otherwise count a server leaving maint UP at once (it did,
 * here, before any agent answer); this way it stays DOWN (agent) until HAProxy's own next
 * agent-check (≤ agent-inter) answers `up`. Returns the servers it opened.
 */
export async function openServers(
  api: HaproxyRuntimeApi,
  socket: string,
  wanted: ServerRef[],
): Promise<string[]> {
  const closed = closedServers(await api.showServers(socket), wanted);
  for (const ref of closed) {
    const [backend, server] = ref.split('/') as [string, string];
    await api.setAgentResult(socket, backend, server, 'down');
    await api.setServerState(socket, backend, server, 'ready');
  }
  return closed;
}
