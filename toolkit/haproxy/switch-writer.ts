import { waitFor } from '../../lib/poll.ts';
import type { Inventory } from '../inventory/schema.ts';
import { ToolkitError } from '../procedure/errors.ts';
import { isolateMasterRole, masterRoleServers } from './agent/master-role.ts';
import { agentRequest } from './agent-client.ts';
import {
  agentAddresses,
  runtimeCommand,
  type ServerState,
  setServerState,
  showServers,
  toolkitRuntimeApi,
} from './runtime-api.ts';

/**
 * failover.ts tells HAProxy about a topology change itself rather than waiting for health checks:
 * before anything is fenced or promoted, every server with the master role (writer/<node>,
 * reader/<node>-fallback) goes into maint and its sessions end, so no connection can reach a node
 * while it changes role; once the new master is writable, its servers are made ready. The agent's
 * read_only check stays in force on top (a server gets connections only while both agree).
 *
 * An inventory without `haproxy.adminSocket` is not touched (undefined): nothing to tell.
 */
export async function isolateWriter(inventory: Inventory, keep?: string): Promise<string | undefined> {
  const socket = inventory.haproxy?.adminSocket;
  if (!socket) return undefined;
  const servers = await reachableServers(socket);
  if (!servers) return notRunning(socket);
  const isolated = await isolateMasterRole(toolkitRuntimeApi, socket, servers, keep);
  return `maint, sessions ended: ${isolated.join(', ') || 'none'}`;
}

/**
 * After promotion: the new master's servers ready, then a wait until HAProxy routes to it. Should
 * the health agent not answer (dead), HAProxy would keep its last word ("down #read_only" for a
 * former slave) forever; the promotion itself verified read_only=0, so the agent's result is forced
 * up over the runtime API and the report says so.
 */
export async function enableWriter(
  inventory: Inventory,
  newMaster: string,
  timeoutMs = 5000,
): Promise<string | undefined> {
  const socket = inventory.haproxy?.adminSocket;
  if (!socket) return undefined;
  const servers = await reachableServers(socket);
  if (!servers) return notRunning(socket);
  const wanted = masterRoleServers(newMaster);
  for (const { backend, server } of wanted) {
    if (!servers.some((s) => s.backend === backend && s.server === server))
      throw new ToolkitError(
        `HAProxy has no server ${backend}/${server}: its config predates this node; re-render and reload it`,
      );
    await setServerState(socket, backend, server, 'ready');
  }
  const started = Date.now();
  const asked = await freshAgentWord(socket, newMaster);
  const writer = () =>
    showServers(socket).then((all) => all.find((s) => s.backend === 'writer' && s.server === newMaster));
  try {
    await waitFor(
      async (why) => {
        const s = await writer();
        if (s?.up) return true;
        why(`writer/${newMaster} is ${s?.status} (agent ${s?.agentStatus}: ${s?.detail})`);
        return undefined;
      },
      { timeoutMs, intervalMs: 20, what: `HAProxy to route writes to ${newMaster}` },
    );
    return `ready; writer/${newMaster} UP after ${Date.now() - started} ms${asked ? ' (agent polled it at once)' : ''}`;
  } catch (error) {
    const s = await writer();
    if (!s || !agentSilent(s)) throw error;
    for (const { backend, server } of wanted)
      await runtimeCommand(socket, `set server ${backend}/${server} agent up`);
    return `ready; the health agent does not answer (${s.agentStatus}): agent result forced up for ${newMaster}`;
  }
}

/** Both steps at once, for a topology that has already changed (the new master is writable). */
export async function switchWriter(inventory: Inventory, newMaster: string): Promise<string | undefined> {
  const isolated = await isolateWriter(inventory, newMaster);
  if (isolated === undefined || isolated.startsWith('not running')) return isolated;
  return `${isolated}; ${await enableWriter(inventory, newMaster)}`;
}

/**
 * Asks the agent to poll the new master now rather than at its next round (up to 500 ms later); when
 * it answers `up`, HAProxy takes that word at once. Best effort: an agent HAProxy reaches but this
 * machine cannot (compose) just means waiting for the next agent-check.
 */
async function freshAgentWord(socket: string, name: string): Promise<boolean> {
  try {
    const agent = (await agentAddresses(socket)).get(`writer/${name}`);
    if (!agent || (await agentRequest(agent, `poll ${name}`, 1500)).trim() !== 'up') return false;
    for (const { backend, server } of masterRoleServers(name))
      await runtimeCommand(socket, `set server ${backend}/${server} agent up`);
    return true;
  } catch {
    return false;
  }
}

/** The agent's connection fails or times out: it is not there to answer. */
function agentSilent(s: ServerState): boolean {
  return /^L4(CON|TOUT)$/.test(s.agentStatus) || s.agentStatus === 'SOCKERR';
}

async function reachableServers(socket: string): Promise<ServerState[] | undefined> {
  try {
    return await showServers(socket);
  } catch (error) {
    if ((error as ToolkitError).code === 'UNREACHABLE') return undefined;
    throw error;
  }
}

function notRunning(socket: string): string {
  return `not running (${socket}): nothing to switch; its config follows the inventory when it starts`;
}
