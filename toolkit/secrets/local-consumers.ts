import { existsSync, readFileSync, statSync } from 'node:fs';
import { waitFor } from '../../lib/poll.ts';
import {
  appConfigHash,
  appInstanceComponent,
  appPort,
  type LocalAppInstance,
  localAppInstances,
} from '../local/app-component.ts';
import { haproxyComponent } from '../local/haproxy-component.ts';
import { localHost, localInventory } from '../local/inventory.ts';
import { drainNginx } from '../local/nginx-component.ts';
import { prometheusComponent } from '../local/prometheus-component.ts';
import { serviceDir } from '../local/service.ts';
import { loadState } from '../local/state.ts';
import { localReplicatorControl } from '../local/tarantool-component.ts';
import { nginxFiles } from '../nginx/processes.ts';
import type { Run } from '../procedure/run.ts';
import type { RotatableName } from './rotatable-accounts.ts';

/**
 * Moves the local environment's processes that log in as this account onto the password now in
 * .local/secrets.json, while the servers still accept the old one too. Each component restarts what
 * reads a changed secret (its config hash or option file changed) and leaves the rest alone.
 */
export async function restartLocalConsumers(run: Run, name: RotatableName, rotating: boolean): Promise<void> {
  const state = loadState();
  if (name === 'app') {
    for (const instance of localAppInstances())
      if (state.services[instance.name]) await restartInstance(run, instance, Boolean(state.services.nginx));
  } else if (name === 'monitor' && state.haproxy) await haproxyComponent.up(run);
  else if (name === 'exporter' && state.monitoring) await prometheusComponent.up(run);
  else if (name === 'replicator' && state.services.tarantool)
    // The replicator reads its login at start only and never shows which: restart it while rotating.
    await localReplicatorControl.ensureRunning(run, rotating);
  else
    await run.check(
      'consumers',
      'local',
      async () => `no running process of the local environment logs in as ${name}`,
    );
}

/**
 * One instance whose settings changed, restarted out of rotation: nginx stops sending it new
 * requests (reloaded with it `down`), it restarts and answers /ready, nginx takes it back and is
 * seen sending it requests again before the next instance goes. An instance already on its
 * settings is left alone (a rerun restarts nothing).
 */
async function restartInstance(run: Run, instance: LocalAppInstance, behindNginx: boolean): Promise<void> {
  const stale =
    loadState().services[instance.name]?.configHash !== appConfigHash(localInventory(loadState()), instance);
  if (stale && behindNginx)
    await run.action('out of rotation', 'nginx', `mark ${instance.name} down and reload`, () =>
      drainNginx(instance.name),
    );
  await appInstanceComponent(instance).up(run);
  if (!behindNginx) return;
  // Also after an interrupted run that left it drained: putting every instance back is a no-op otherwise.
  await run.converge({
    name: 'in rotation',
    host: 'nginx',
    read: async () => readFileSync(nginxFiles(serviceDir('nginx')).config, 'utf8'),
    diff: (config) => (/ down;/.test(config) ? `put ${instance.name} back and reload` : null),
    describe: () => 'every instance in rotation',
    apply: async () => {
      await drainNginx();
    },
  });
  if (stale) await nginxSendsTo(run, instance.port);
}

/** nginx is seen answering through this upstream again: it asks until its access log shows it. */
async function nginxSendsTo(run: Run, port: number): Promise<void> {
  const log = nginxFiles(serviceDir('nginx')).accessLog;
  const offset = existsSync(log) ? statSync(log).size : 0;
  await run.check('back behind nginx', `127.0.0.1:${port}`, async () => {
    const started = Date.now();
    await waitFor(
      async () => {
        await fetch(`http://${localHost}:${appPort()}/ready`).catch(() => undefined);
        const lines = existsSync(log) ? readFileSync(log, 'utf8').slice(offset).split('\n') : [];
        return lines.some((l) => l.includes(`:${port}"`) && l.includes('"status":200')) ? true : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 100, what: `nginx to send requests to 127.0.0.1:${port} again` },
    );
    return `nginx answers through it again after ${Date.now() - started} ms`;
  });
}
