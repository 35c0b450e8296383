import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePorts } from '../../lib/net.ts';
import type { LocalComponent } from '../local/component.ts';
import type { MixedLoad } from '../local/drill/load.ts';
import type { findDuplicateWrites as FindDuplicateWrites } from '../local/drill/verify.ts';
import { quietRun, runRunbook, startTestCluster, type TestCluster } from '../local/testing.ts';
import { MysqlSession } from '../mysql/session.ts';
import { logsIn } from './dual-password.ts';

// Not imported from rotate-password.ts: that would load the local components before the ports are set.
const faultVariable = 'ROTATE_PASSWORD_TEST_FAULT';

// The throwaway environment's own ports (a reserved block), so nothing of the machine's is touched or reused.
let ports: { redis: number; rabbitmq: number; nginx: number; instances: number; metrics: number };
let cluster: TestCluster;
let components: LocalComponent[] = [];
let appPort: () => number;
let loadState: () => { services: Record<string, { pid?: number } | undefined> };
let MixedLoadClass: typeof MixedLoad;
let findDuplicateWrites: typeof FindDuplicateWrites;

const secrets = () => JSON.parse(readFileSync(join(cluster.stateDir, 'secrets.json'), 'utf8'));
const rotationFile = () => join(cluster.stateDir, 'password-rotation.json');
const pids = () => ['app', 'app-2'].map((name) => loadState().services[name]?.pid);
const nodes = () => [cluster.inventory().mysql.master, ...cluster.inventory().mysql.slaves];
const logins = (password: string) => Promise.all(nodes().map((n) => logsIn(n, 'app', password)));
const rotate = (args: string[], extra: NodeJS.ProcessEnv = {}) =>
  runRunbook('rotate-password', [...args, '--json'], { ...cluster.env, ...extra });

beforeAll(async () => {
  const base = await freePorts(40);
  ports = { redis: base + 4, rabbitmq: base + 5, nginx: base + 10, instances: base + 11, metrics: base + 20 };
  Object.assign(process.env, {
    LOCAL_REDIS_PORT: String(ports.redis),
    LOCAL_RABBITMQ_PORT: String(ports.rabbitmq),
    LOCAL_APP_PORT: String(ports.nginx),
    LOCAL_APP_INSTANCE_PORT: String(ports.instances),
    LOCAL_METRICS_PORT: String(ports.metrics),
  });
  cluster = await startTestCluster({ slaves: 2 });
  // Imported after the ports are set: the services read them when their module loads.
  const services = await import('../local/services.ts');
  const app = await import('../local/app-component.ts');
  const nginx = await import('../local/nginx-component.ts');
  ({ loadState } = await import('../local/state.ts'));
  ({ MixedLoad: MixedLoadClass } = await import('../local/drill/load.ts'));
  ({ findDuplicateWrites } = await import('../local/drill/verify.ts'));
  appPort = app.appPort;
  components = [
    services.redisComponent,
    services.rabbitmqComponent,
    ...app.appComponents,
    nginx.nginxComponent,
  ];
  const run = quietRun('rotation-env');
  try {
    for (const component of components) await component.up(run);
  } finally {
    await run.close();
  }
  // Nothing of the machine's is reused: our own Redis and RabbitMQ, instances on our ports.
  const started = loadState().services as Record<string, { port?: number; owned?: boolean } | undefined>;
  expect([started.redis, started.rabbitmq, started.app]).toMatchObject([
    { port: ports.redis, owned: true },
    { port: ports.rabbitmq, owned: true },
    { port: ports.instances, owned: true },
  ]);
}, 300_000);

afterAll(async () => {
  const run = quietRun('rotation-env-down');
  for (const component of [...components].reverse())
    await component.down(run, { wipe: false }).catch(() => {});
  await run.close();
  await cluster?.stop();
}, 120_000);

describe('rotate-password on the local environment', () => {
  it('refuses bad input in one line and changes nothing', async () => {
    const before = readFileSync(join(cluster.stateDir, 'secrets.json'), 'utf8');
    for (const args of [['root'], [], ['app', 'monitor']]) {
      const result = await runRunbook('rotate-password', args, cluster.env);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    }
    const noMaster = await runRunbook('rotate-password', ['app', '--env', 'nowhere'], cluster.env);
    expect(noMaster.code).toBe(2);
    expect(noMaster.stderr.trim().split('\n')).toHaveLength(1);
    expect(readFileSync(join(cluster.stateDir, 'secrets.json'), 'utf8')).toBe(before);
    expect(existsSync(rotationFile())).toBe(false);
  });

  it('rotates the app password under load with no request failed, one instance at a time', async () => {
    const old = secrets()['mysql-app'];
    const pidsBefore = pids();
    const load = new MixedLoadClass(appPort(), { writers: 2, readers: 2, pauseMs: 50 });
    await load.start();
    const result = await rotate(['app']);
    const { ops, runId } = await load.stop();
    expect(result.code, result.stderr).toBe(0);

    const failed = ops.filter((op) => op.status < 200 || op.status >= 300);
    expect(ops.length).toBeGreaterThan(20);
    // Each drain reloads nginx, and a reload closes its idle keep-alive connections: a request a client
    // sent on one just then is sent again on a fresh connection, as browsers and curl do (http.ts call).
    // Nothing may fail; the retries are at most one per client per reload (4 clients, 2 reloads each).
    expect(failed.map((op) => `${op.kind} ${op.status} ${op.error ?? ''}`)).toEqual([]);
    expect(ops.filter((op) => op.retried).length).toBeLessThanOrEqual(4 * 2 * 2);
    // A POST sent again carries its Idempotency-Key (drill/http.ts call): none may have run twice.
    const { mysql } = cluster.inventory();
    const master = await MysqlSession.open(mysql.master, mysql.admin);
    try {
      expect(await findDuplicateWrites(master, mysql.database, runId)).toEqual([]);
    } finally {
      await master.close();
    }

    const fresh = secrets()['mysql-app'];
    expect(fresh).not.toBe(old);
    expect(statSync(join(cluster.stateDir, 'secrets.json')).mode & 0o777).toBe(0o600);
    expect(await logins(old)).toEqual([false, false, false]);
    expect(await logins(fresh)).toEqual([true, true, true]);
    expect(existsSync(rotationFile()) && JSON.parse(readFileSync(rotationFile(), 'utf8')).app).toBeFalsy();
    expect(result.stdout).not.toContain(fresh);

    // Both restarted, app's restart (and nginx serving it again) before app-2's.
    const after = pids();
    expect(after[0]).not.toBe(pidsBefore[0]);
    expect(after[1]).not.toBe(pidsBefore[1]);
    const steps = result.report!.steps.map((s) => `${s.host} ${s.name} ${s.status}`);
    const first = steps.indexOf('app running changed');
    const back = steps.indexOf(`127.0.0.1:${ports.instances} back behind nginx ok`);
    const second = steps.indexOf('app-2 running changed');
    expect([first >= 0, back > first, second > back]).toEqual([true, true, true]);

    const rerun = await rotate(['app', '--resume']);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.report!.changed).toBe(0);
    expect(pids()).toEqual(after);
  }, 240_000);

  for (const point of ['accepted', 'stored'] as const)
    it(`converges on a rerun after a run killed right after the "${point}" step`, async () => {
      const old = secrets()['mysql-app'];
      const killed = await rotate(['app'], { [faultVariable]: `after:${point}` });
      expect(killed.code).not.toBe(0);
      const pending = JSON.parse(readFileSync(rotationFile(), 'utf8')).app;
      expect(pending.previous).toBe(old);
      // Both passwords log in everywhere meanwhile: the instances, still on the old one, keep working.
      expect(await logins(old)).toEqual([true, true, true]);
      expect(await logins(pending.next)).toEqual([true, true, true]);
      expect(secrets()['mysql-app']).toBe(point === 'stored' ? pending.next : old);

      const rerun = await rotate(['app']);
      expect(rerun.code, rerun.stderr).toBe(0);
      expect(rerun.report!.steps[0]).toMatchObject({ name: 'new password', status: 'ok' });
      expect(secrets()['mysql-app']).toBe(pending.next);
      expect(await logins(old)).toEqual([false, false, false]);
      expect(await logins(pending.next)).toEqual([true, true, true]);
      expect((await rotate(['app', '--resume'])).report!.changed).toBe(0);
    }, 240_000);
});
