import { existsSync } from 'node:fs';
import { type ServerState, showServers } from '../haproxy/runtime-api.ts';
import { oneLine } from '../procedure/errors.ts';
import { failedRow, type StatusContext, skippedRow } from './context.ts';
import type { StatusRow } from './report.ts';

type Backend = 'writer' | 'reader';

/**
 * HAProxy's writer and reader endpoints, each checked as a client meets it: a session through the
 * endpoint, traced to a node by its server_id (the writer must land on the inventory's master, and
 * writable). When the runtime API socket is on this machine, the detail lists every node the endpoint
 * serves now (one connection only shows one of them).
 */
export async function haproxyRows(context: StatusContext): Promise<StatusRow[]> {
  const haproxy = context.inventory.haproxy;
  if (!haproxy) return [skippedRow('haproxy', 'haproxy', `not in the ${context.inventory.name} inventory`)];
  let servers: ServerState[] | undefined;
  let socketError: string | undefined;
  if (haproxy.adminSocket && existsSync(haproxy.adminSocket))
    servers = await showServers(haproxy.adminSocket).catch((error) => {
      socketError = oneLine(error);
      return undefined;
    });
  const endpoint = async (backend: Backend, port: number): Promise<StatusRow> => {
    const row = { component: 'haproxy', name: backend, address: `${haproxy.host}:${port}` };
    try {
      const session = await context.session({ name: `haproxy ${backend}`, host: haproxy.host, port });
      const serverId = Number(await session.value('SELECT @@GLOBAL.server_id'));
      const readOnly = (await session.value('SELECT @@GLOBAL.read_only')) === '1';
      const node = context.serverIds.get(serverId) ?? `server_id ${serverId}`;
      const seen = servers
        ? describeEndpoint(backend, servers, true)
        : { health: 'up' as const, detail: `→ ${node}` };
      const problems = landingProblems(context, backend, node, readOnly, servers !== undefined);
      if (socketError) problems.push(`runtime API: ${socketError}`);
      return problems.length
        ? {
            ...row,
            health: seen.health === 'down' ? 'down' : 'degraded',
            detail: `${seen.detail}; ${problems.join('; ')}`,
          }
        : { ...row, ...seen };
    } catch (error) {
      return failedRow(row, error);
    }
  };
  return Promise.all([endpoint('writer', haproxy.writerPort), endpoint('reader', haproxy.readerPort)]);
}

function landingProblems(
  context: StatusContext,
  backend: Backend,
  node: string,
  readOnly: boolean,
  haproxySaid: boolean,
): string[] {
  const { master } = context.inventory.mysql;
  const problems: string[] = [];
  if (backend === 'writer') {
    if (node !== master.name) problems.push(`a session lands on ${node}, not the master ${master.name}`);
    if (readOnly) problems.push(`a session lands on a read_only server (${node})`);
  } else if (node === master.name && !haproxySaid) {
    // The reader falls back to the master only when no slave qualifies (HAProxy's own view says it when it can).
    problems.push('a session lands on the master: no slave qualifies');
  }
  return problems;
}

/** Which nodes an endpoint serves now, from HAProxy's own view; one with no server up is down. */
export function describeEndpoint(
  backend: Backend,
  servers: ServerState[],
  agentAnswers: boolean,
): Pick<StatusRow, 'health' | 'detail'> {
  const mine = servers.filter((s) => s.backend === backend);
  const primary = mine.filter((s) => s.up && !s.server.endsWith('-fallback')).map((s) => s.server);
  const fallback = mine.filter((s) => s.up && s.server.endsWith('-fallback')).map((s) => s.server);
  if (primary.length === 0 && fallback.length === 0) {
    const why = mine
      .filter((s) => !s.maint)
      .map((s) => `${s.server} ${s.status} ${s.detail}`.trim())
      .join('; ');
    return { health: 'down', detail: `no server up${why ? `: ${why}` : ''}` };
  }
  const serving = primary.length
    ? `→ ${primary.join(', ')}`
    : `→ ${fallback.map((s) => s.replace(/-fallback$/, '')).join(', ')} (master fallback: no slave qualifies)`;
  const degraded = !agentAnswers || (backend === 'reader' && primary.length === 0);
  return {
    health: degraded ? 'degraded' : 'up',
    detail: agentAnswers ? serving : `${serving}, agent not answering`,
  };
}
