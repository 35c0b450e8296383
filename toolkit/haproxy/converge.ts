import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { waitFor } from '../../lib/poll.ts';
import type { Inventory } from '../inventory/schema.ts';
import { resolveSecret } from '../inventory/secrets.ts';
import { UsageError } from '../procedure/errors.ts';
import type { Run } from '../procedure/run.ts';
import { closedServers, openServers } from './agent/open-servers.ts';
import type { AgentAddress } from './agent-client.ts';
import { agentConfigOf, renderAgentConfig } from './agent-config.ts';
import { type HaproxyLayout, inventoryOpenServers, renderHaproxyConfig } from './config.ts';
import {
  agentPid,
  agentStatus,
  checkHaproxyConfig,
  type HaproxyFiles,
  haproxyPid,
  reloadHaproxy,
  startAgent,
  startHaproxy,
  stopAgent,
} from './processes.ts';
import { showServers, toolkitRuntimeApi } from './runtime-api.ts';

/** One HAProxy with its agent on this machine: its files and where it listens. */
export interface HaproxySite {
  files: HaproxyFiles;
  layout: HaproxyLayout;
  agentListen: AgentAddress;
}

/**
 * The agent and HAProxy running with configs rendered from the inventory: a config that changed is
 * written, the agent restarted for it, HAProxy reloaded (after `haproxy -c`) without dropping
 * connections; a process that died is started; the inventory's servers are opened (a fresh HAProxy
 * has every server in maint, see config.ts startClosed). A second run changes nothing. Ends when
 * HAProxy routes writes to the inventory's master.
 */
export async function convergeHaproxy(run: Run, inventory: Inventory, site: HaproxySite): Promise<void> {
  const { files } = site;
  const monitor = inventory.mysql.monitor;
  if (!monitor) throw new UsageError(`inventory ${inventory.name}: mysql.monitor is required for HAProxy`);
  mkdirSync(files.dir, { recursive: true });
  const agentConfig = renderAgentConfig(
    agentConfigOf(inventory, site.agentListen),
    `HAProxy's health agent for inventory '${inventory.name}', rendered by toolkit/haproxy/converge.ts.`,
  );
  const password = resolveSecret(monitor.password);
  const login = loginHash(monitor.user, password);
  // The config and the login's hash are written only together with the (re)start that reads them: a
  // run that stops in between leaves a difference the next run still sees.
  await run.converge({
    name: 'health agent',
    host: 'haproxy',
    read: async () => ({
      pid: agentPid(files),
      current: readIfExists(files.agentConfig),
      startedWith: readIfExists(files.agentLogin),
    }),
    diff: ({ pid, current, startedWith }) => {
      if (!pid) return `start on ${site.agentListen.host}:${site.agentListen.port}`;
      if (current !== agentConfig) return `restart pid ${pid} with a config rendered from the inventory`;
      // It logs in again whenever a connection drops: on an old password, once refused, every node goes down.
      return startedWith === login ? null : `restart pid ${pid} with the monitor password now stored`;
    },
    describe: ({ pid }) => `pid ${pid} on ${site.agentListen.host}:${site.agentListen.port}`,
    apply: async () => {
      await stopAgent(files);
      writeFileSync(files.agentConfig, agentConfig, { mode: 0o600 });
      writeFileSync(files.agentLogin, login, { mode: 0o600 });
      await startAgent(files, site.agentListen, password);
    },
    verify: async () =>
      `answering for ${Object.keys((await agentStatus(site.agentListen)).nodes).join(', ')}`,
  });
  // A HAProxy the toolkit runs starts with every server in maint and has them opened below.
  const haproxyConfig = renderHaproxyConfig(inventory, {
    ...site.layout,
    stateFile: files.stateFile,
    startClosed: true,
  });
  await run.converge({
    name: 'haproxy',
    host: 'haproxy',
    read: async () => ({ pid: haproxyPid(files), current: readIfExists(files.config) }),
    diff: ({ pid, current }) => {
      if (!pid) return `start: writer ${site.layout.writerPort}, reader ${site.layout.readerPort}`;
      return current === haproxyConfig ? null : `reload pid ${pid} with a config rendered from the inventory`;
    },
    describe: ({ pid }) =>
      `pid ${pid}: writer ${site.layout.bindHost}:${site.layout.writerPort}, reader ${site.layout.bindHost}:${site.layout.readerPort}`,
    apply: async ({ pid }) => {
      // Checked before it replaces the config a running HAProxy was started with.
      const next = `${files.config}.next`;
      writeFileSync(next, haproxyConfig, { mode: 0o600 });
      checkHaproxyConfig(next);
      renameSync(next, files.config);
      if (pid) await reloadHaproxy(files);
      else await startHaproxy(files);
    },
  });
  const wanted = inventoryOpenServers(inventory);
  await run.converge({
    name: 'servers open',
    host: 'haproxy',
    read: () => showServers(files.adminSocket),
    diff: (servers) => {
      const closed = closedServers(servers, wanted);
      return closed.length ? `open ${closed.join(', ')} (each down until the agent's first answer)` : null;
    },
    describe: () => `${wanted.length} server(s) out of maint`,
    apply: async () => {
      await openServers(toolkitRuntimeApi, files.adminSocket, wanted);
    },
  });
  const master = inventory.mysql.master.name;
  await run.verify('writer endpoint', 'haproxy', async () => {
    const started = Date.now();
    await waitFor(
      async (why) => {
        const writer = (await showServers(files.adminSocket)).find(
          (s) => s.backend === 'writer' && s.server === master,
        );
        if (writer?.up) return true;
        why(`writer/${master} is ${writer?.status ?? 'missing'} (${writer?.detail ?? ''})`);
        return undefined;
      },
      { timeoutMs: 15_000, intervalMs: 50, what: `HAProxy to route writes to ${master}` },
    );
    return `writes go to ${master} (${Date.now() - started} ms)`;
  });
}

/** What tells the agent's login apart (the password never stored in clear beside it). */
function loginHash(user: string, password: string): string {
  return createHash('sha256').update(`${user}\0${password}`).digest('hex').slice(0, 16);
}

function readIfExists(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}
