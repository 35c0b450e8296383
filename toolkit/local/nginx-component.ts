import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { portOpen } from '../../lib/net.ts';
import { findBinary } from '../host/binaries.ts';
import { renderNginxConfig } from '../nginx/config.ts';
import {
  checkNginxConfig,
  type NginxFiles,
  nginxFiles,
  nginxPid,
  reloadNginx,
  startNginx,
  stopNginx,
} from '../nginx/processes.ts';
import { ToolkitError } from '../procedure/errors.ts';
import type { Run } from '../procedure/run.ts';
import { appPort, localAppInstances, localProxyAddress, readiness } from './app-component.ts';
import type { LocalComponent } from './component.ts';
import { localHost } from './inventory.ts';
import { serviceDir } from './service.ts';
import { loadState, updateState } from './state.ts';

const files = (): NginxFiles => nginxFiles(serviceDir('nginx'));

/**
 * The config for the local environment, from the same renderer as compose/nginx/nginx.conf; a drained
 * instance is marked `down` (toolkit/secrets/local-consumers.ts restarts it out of rotation).
 */
export function localNginxConfig(drained?: string): string {
  const f = files();
  return renderNginxConfig({
    inventory: 'local',
    listen: { host: localHost, port: appPort() },
    instances: localAppInstances().map((i) => ({
      name: i.name,
      host: localHost,
      port: i.port,
      ...(i.name === drained ? { drained: true } : {}),
    })),
    files: { pid: f.pid, errorLog: f.errorLog, accessLog: f.accessLog, tempDir: f.tempDir },
    proxyBind: localProxyAddress,
    workerProcesses: 1,
  });
}

const running = () => nginxPid(files(), loadState().services.nginx?.pid);

/**
 * Takes one instance out of rotation (or, without one, puts every instance back): the config is
 * tested, swapped in and reloaded; when this returns, no worker that could send it a new request runs.
 */
export async function drainNginx(drained?: string): Promise<string> {
  const f = files();
  const next = `${f.config}.next`;
  writeFileSync(next, localNginxConfig(drained));
  checkNginxConfig(f, next);
  renameSync(next, f.config);
  const pid = running();
  if (!pid) throw new ToolkitError('nginx is not running');
  return reloadNginx(f, pid);
}

/** nginx on 127.0.0.1:LOCAL_APP_PORT in front of the app instances: config converged, then kept running. */
export const nginxComponent: LocalComponent = {
  name: 'nginx',

  async up(run: Run): Promise<void> {
    if (!findBinary(['nginx'])) throw new ToolkitError('nginx not found: apt-get install nginx');
    const f = files();
    const wanted = localNginxConfig();
    await run.converge({
      name: 'config',
      host: 'nginx',
      read: async () => (existsSync(f.config) ? readFileSync(f.config, 'utf8') : ''),
      diff: (current) => (current === wanted ? null : `${current ? 'rewrite' : 'write'} ${f.config}`),
      describe: () => `${f.config}, ${localAppInstances().length} instances behind ${localHost}:${appPort()}`,
      apply: async () => {
        // Tested before it replaces the file a running nginx would reload.
        mkdirSync(f.dir, { recursive: true });
        const next = `${f.config}.next`;
        writeFileSync(next, wanted);
        checkNginxConfig(f, next);
        renameSync(next, f.config);
        const pid = running();
        if (pid) run.note(`nginx reloaded: ${await reloadNginx(f, pid)}`);
      },
    });
    await run.converge({
      name: 'running',
      host: 'nginx',
      read: async () => ({ pid: running(), busy: await portOpen(localHost, appPort()) }),
      diff: (s) => {
        if (s.pid) return null;
        if (s.busy) return `port ${appPort()} is taken by another process; free it or set LOCAL_APP_PORT`;
        return `start nginx on ${localHost}:${appPort()}`;
      },
      describe: (s) => `pid ${s.pid} on ${localHost}:${appPort()}`,
      apply: async (s) => {
        if (s.busy)
          throw new ToolkitError(
            `port ${appPort()} is taken by another process; free it or set LOCAL_APP_PORT`,
          );
        const pid = await startNginx(f, async () => (await readiness(appPort())) !== 'down');
        updateState((state) => {
          state.services.nginx = { host: localHost, port: appPort(), owned: true, pid };
        });
      },
      verify: async () => `/ready through nginx: ${await readiness(appPort())}`,
    });
  },

  async down(run: Run): Promise<void> {
    await run.converge({
      name: 'stopped',
      host: 'nginx',
      read: async () => running(),
      diff: (pid) => (pid ? `stop pid ${pid}` : null),
      describe: () => 'not running',
      apply: async (pid) => {
        await stopNginx(files(), pid);
      },
    });
  },
};
