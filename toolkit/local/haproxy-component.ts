import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { portOpen } from '../../lib/net.ts';
import { convergeHaproxy, type HaproxySite } from '../haproxy/converge.ts';
import { agentPid, haproxyFiles, haproxyPid, stopAgent, stopHaproxy } from '../haproxy/processes.ts';
import { findBinary } from '../host/binaries.ts';
import { ToolkitError } from '../procedure/errors.ts';
import type { Run } from '../procedure/run.ts';
import type { LocalComponent } from './component.ts';
import { localHost, localInventory } from './inventory.ts';
import { serviceDir } from './service.ts';
import { envInt, type LocalHaproxy, loadState, updateState } from './state.ts';

/** Where the local HAProxy listens: compose's ports unless the environment moves them. */
export function localHaproxyLayout(): LocalHaproxy {
  const writerPort = envInt('LOCAL_HAPROXY_WRITER_PORT', 10110);
  return {
    host: localHost,
    writerPort,
    readerPort: envInt('LOCAL_HAPROXY_READER_PORT', writerPort + 1),
    agentPort: envInt('LOCAL_HAPROXY_AGENT_PORT', writerPort + 2),
    adminSocket: join(serviceDir('haproxy'), 'admin.sock'),
  };
}

function siteOf(layout: LocalHaproxy): HaproxySite {
  const files = { ...haproxyFiles(serviceDir('haproxy')), adminSocket: layout.adminSocket };
  const agent = { host: localHost, port: layout.agentPort };
  return {
    files,
    agentListen: agent,
    layout: {
      bindHost: localHost,
      writerPort: layout.writerPort,
      readerPort: layout.readerPort,
      adminSocket: layout.adminSocket,
      agent,
    },
  };
}

/**
 * HAProxy and its health agent in front of the local MySQL nodes (docs/haproxy.md), when Debian's
 * haproxy is installed. Once it runs, the local inventory carries `haproxy`, so failover.mjs moves
 * the writer over the runtime API.
 */
export const haproxyComponent: LocalComponent = {
  name: 'haproxy',

  async up(run: Run): Promise<void> {
    if (!findBinary(['haproxy'])) {
      await run.check(
        'haproxy',
        'local',
        async () => 'skipped: haproxy is not installed (apt-get install haproxy)',
      );
      return;
    }
    const layout = localHaproxyLayout();
    const site = siteOf(layout);
    if (!haproxyPid(site.files)) await refuseTakenPorts(layout, !agentPid(site.files));
    await convergeHaproxy(run, localInventory(loadState()), site);
    if (JSON.stringify(loadState().haproxy) !== JSON.stringify(layout))
      updateState((state) => {
        state.haproxy = layout;
      });
  },

  async down(run: Run, { wipe }): Promise<void> {
    const site = siteOf(loadState().haproxy ?? localHaproxyLayout());
    const { files } = site;
    for (const [name, pid, stop] of [
      ['haproxy', () => haproxyPid(files), () => stopHaproxy(files)],
      ['health agent', () => agentPid(files), () => stopAgent(files)],
    ] as const)
      await run.converge({
        name: `${name} stopped`,
        host: 'haproxy',
        read: async () => pid(),
        diff: (running) => (running ? `stop pid ${running}` : null),
        describe: () => 'not running',
        apply: async () => {
          await stop();
        },
      });
    updateState((state) => {
      delete state.haproxy;
    });
    if (wipe)
      await run.action('files removed', 'haproxy', `remove ${files.dir}`, async () => {
        rmSync(files.dir, { recursive: true, force: true });
        return undefined;
      });
  },
};

/** A port someone else listens on would make HAProxy (or the agent) exit at start: say which, up front. */
async function refuseTakenPorts(layout: LocalHaproxy, checkAgent: boolean): Promise<void> {
  const ports: [string, number][] = [
    ['LOCAL_HAPROXY_WRITER_PORT', layout.writerPort],
    ['LOCAL_HAPROXY_READER_PORT', layout.readerPort],
  ];
  if (checkAgent) ports.push(['LOCAL_HAPROXY_AGENT_PORT', layout.agentPort]);
  for (const [variable, port] of ports)
    if (await portOpen(localHost, port))
      throw new ToolkitError(`${localHost}:${port} is taken by another process: set ${variable}`);
}
