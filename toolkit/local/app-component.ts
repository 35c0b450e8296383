import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { migrateAll } from '../../app/src/ops.ts';
import { portOpen } from '../../lib/net.ts';
import { waitFor } from '../../lib/poll.ts';
import { generateProcedure } from '../app/generate-procedure.ts';
import { defaultGeneratedPassword, generateTargets, migrateTargets } from '../app/generate-runbook.ts';
import { isOurs, spawnDetached, stopProcess } from '../host/process.ts';
import { repoRoot, stateDir } from '../inventory/paths.ts';
import type { Inventory } from '../inventory/schema.ts';
import { resolveSecret } from '../inventory/secrets.ts';
import { MysqlSession } from '../mysql/session.ts';
import { ToolkitError, UsageError } from '../procedure/errors.ts';
import type { Run } from '../procedure/run.ts';
import { readiness as appReadiness } from '../status/services.ts';
import type { LocalComponent } from './component.ts';
import { localHost, localInventory } from './inventory.ts';
import { localMetricsPorts } from './metrics-ports.ts';
import { loadState, updateState } from './state.ts';

const mainFile = resolve(repoRoot, 'app/src/main.ts');
/** The app's command line contains its entry file: that is how a pid is known to be ours. */
const marker = mainFile;
const demoUsers = 1000;

/** Where clients reach the app: nginx listens here (the seed's port 5000). */
export function appPort(): number {
  const raw = process.env.LOCAL_APP_PORT;
  return raw ? Number(raw) : 5000;
}

export interface LocalAppInstance {
  name: 'app' | 'app-2';
  port: number;
  /** APP_INSTANCE_ID: part of chat_message ids, so each instance has its own. */
  id: number;
}

/** The two instances nginx balances over, on LOCAL_APP_INSTANCE_PORT and the next port (default: after nginx's). */
export function localAppInstances(): LocalAppInstance[] {
  const raw = process.env.LOCAL_APP_INSTANCE_PORT;
  const first = raw ? Number(raw) : appPort() + 1;
  return [
    { name: 'app', port: first, id: 1 },
    { name: 'app-2', port: first + 1, id: 2 },
  ];
}

/**
 * nginx's source address towards the apps (its proxy_bind): the apps believe X-Forwarded-For from
 * this address only, so a client on 127.0.0.1 that reaches an instance directly cannot pick its own.
 */
export const localProxyAddress = '127.0.0.2';

function appDir(): string {
  return join(stateDir(), 'app');
}

/** Kept across restarts so tokens stay valid; a file of mode 0600 under .local/, never an argument. */
function tokenSecret(): string {
  const file = join(appDir(), 'token-secret');
  if (!existsSync(file)) {
    mkdirSync(appDir(), { recursive: true });
    writeFileSync(file, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  return readFileSync(file, 'utf8').trim();
}

/**
 * Where the app's pools connect: HAProxy's writer and reader endpoints when the inventory has them (the
 * app then follows a failover by itself), else the master and the slaves.
 */
export function appMysqlEndpoints(inventory: Inventory): {
  writer: { host: string; port: number };
  readers: string;
} {
  const { haproxy, mysql } = inventory;
  if (haproxy)
    return {
      writer: { host: haproxy.host, port: haproxy.writerPort },
      readers: `${haproxy.host}:${haproxy.readerPort}`,
    };
  return {
    writer: { host: mysql.master.host, port: mysql.master.port },
    readers: mysql.slaves.map((s) => `${s.host}:${s.port}`).join(','),
  };
}

/** An instance's whole configuration, for its environment (no secret on its command line). */
export function appEnvironment(inventory: Inventory, instance: LocalAppInstance): Record<string, string> {
  const targets = generateTargets(inventory);
  const { writer, readers } = appMysqlEndpoints(inventory);
  // chat_message follows the master through the writer endpoint, unless Vitess has it.
  const chat = inventory.chatMysql ? targets.chat : { ...targets.chat, ...writer };
  const env: Record<string, string> = {
    APP_HOST: localHost,
    APP_PORT: String(instance.port),
    APP_INSTANCE_ID: String(instance.id),
    // Prometheus's /metrics, on 127.0.0.1 only and never through nginx (toolkit/local/prometheus-component.ts).
    METRICS_HOST: localHost,
    METRICS_PORT: String(localMetricsPorts().app[instance.id - 1]),
    TRUST_PROXY: localProxyAddress,
    LOG_LEVEL: 'info',
    MYSQL_HOST: writer.host,
    MYSQL_PORT: String(writer.port),
    MYSQL_USER: targets.master.user,
    MYSQL_PASSWORD: targets.master.password,
    MYSQL_DB: targets.master.database,
    SLAVE_MYSQL_HOSTS: readers,
    CHAT_MYSQL_HOST: chat.host,
    CHAT_MYSQL_PORT: String(chat.port),
    CHAT_MYSQL_USER: chat.user,
    CHAT_MYSQL_PASSWORD: chat.password,
    CHAT_MYSQL_DB: chat.database,
    REDIS_HOST: inventory.redis.host,
    REDIS_PORT: String(inventory.redis.port),
    RABBITMQ_HOST: inventory.rabbitmq.host,
    RABBITMQ_PORT: String(inventory.rabbitmq.port),
    RABBITMQ_USER: inventory.rabbitmq.credential.user,
    RABBITMQ_PASSWORD: resolveSecret(inventory.rabbitmq.credential.password),
    AUTH_TOKEN_SECRET: tokenSecret(),
  };
  if (inventory.rabbitmq.vhost) env.RABBITMQ_VHOST = inventory.rabbitmq.vhost;
  return env;
}

/**
 * The settings of an app container from the image (scripts/image.mjs run|verify) on this port: the local
 * servers as the instances reach them, its own APP_INSTANCE_ID (3: chat_message ids of its own), and no
 * TRUST_PROXY (no nginx in front of it).
 */
export function imageAppEnvironment(inventory: Inventory, port: number): Record<string, string> {
  if (inventory.name !== 'local')
    throw new UsageError(
      `image run|verify knows the local environment's app settings only, not ${inventory.name}'s`,
    );
  const { TRUST_PROXY: _trusted, ...env } = appEnvironment(inventory, { name: 'app', port, id: 3 });
  return env;
}

/** An instance's (or nginx's) /ready on this machine: 'ready', 'down' or 'not ready (…)' (toolkit/status). */
export function readiness(port: number): Promise<string> {
  return appReadiness(`http://${localHost}:${port}`);
}

/**
 * The app's schema, and demo users in an empty database: once, before any instance starts, as the
 * migrations' account. The instances get the app's account, which has rows only: they never migrate.
 */
export const appDataComponent: LocalComponent = {
  name: 'app data',

  async up(run: Run): Promise<void> {
    if (run.dryRun) return;
    const inventory = localInventory(loadState());
    const targets = migrateTargets(inventory);
    await run.step('migrations', inventory.mysql.master.name, async () => {
      const applied = (await migrateAll(targets)).flatMap((r) => r.applied.map((a) => `${r.set}/${a}`));
      return applied.length
        ? { status: 'changed', detail: `applied ${applied.join(', ')}` }
        : { status: 'ok', detail: 'up to date' };
    });
    const session = await MysqlSession.open(inventory.mysql.master, inventory.mysql.app);
    const users = Number(
      await session
        .value('SELECT COUNT(*) FROM ??.`user`', [inventory.mysql.database])
        .finally(() => session.close()),
    );
    if (users === 0) {
      run.note(
        `seeding ${demoUsers} demo users (password '${defaultGeneratedPassword}') so the network is not empty`,
      );
      await generateProcedure(run, targets, {
        target: demoUsers,
        friendsPerUser: 10,
        postsPerUser: 2,
        dialogsPerUser: 0.2,
        chunkRows: 100_000,
        password: defaultGeneratedPassword,
        deferIndex: false,
        seed: 7,
      });
    } else {
      await run.check(
        'demo users',
        inventory.mysql.master.name,
        async () => `${users.toLocaleString('en-US')} users, no seeding needed`,
      );
    }
  },

  async down(): Promise<void> {},
};

/** What an instance was started with, as a hash: a running instance whose hash differs is restarted. */
export function appConfigHash(inventory: Inventory, instance: LocalAppInstance): string {
  return createHash('sha256')
    .update(JSON.stringify(appEnvironment(inventory, instance)))
    .digest('hex')
    .slice(0, 16);
}

/** One app instance on its own port, kept running; an instance left on another port is moved. */
export function appInstanceComponent(instance: LocalAppInstance): LocalComponent {
  const { name, port } = instance;
  const current = () => loadState().services[name];
  return {
    name,

    async up(run: Run): Promise<void> {
      const inventory = localInventory(loadState());
      const env = appEnvironment(inventory, instance);
      const configHash = appConfigHash(inventory, instance);
      await run.converge({
        name: 'running',
        host: name,
        read: async () => {
          const known = current();
          return {
            ours: isOurs(known?.pid, marker) && known?.port === port,
            stale: known?.configHash !== undefined && known.configHash !== configHash,
            elsewhere: isOurs(known?.pid, marker) && known?.port !== port ? known : undefined,
            ready: await readiness(port),
            busy: await portOpen(localHost, port),
          };
        },
        diff: (s) => {
          if (s.ours && s.stale) return `restart ${name}: its configuration changed (MySQL endpoints, say)`;
          if (s.ours && s.ready !== 'down') return null;
          if (s.elsewhere) return `move ${name} from port ${s.elsewhere.port} to ${port}`;
          if (!s.ours && s.busy)
            return `port ${port} is taken by another process; free it or set LOCAL_APP_INSTANCE_PORT`;
          return `start ${name} on ${localHost}:${port}`;
        },
        describe: (s) => `pid ${current()?.pid} on ${localHost}:${port}, ${s.ready}`,
        apply: async (s) => {
          if (s.elsewhere?.pid) await stopProcess(s.elsewhere.pid, marker, 15_000);
          else if (s.ours) await stopProcess(current()!.pid!, marker, 15_000);
          if (!s.elsewhere && !s.ours && s.busy)
            throw new ToolkitError(
              `port ${port} is taken by another process; free it or set LOCAL_APP_INSTANCE_PORT`,
            );
          // Each instance writes and rotates its own log (0640) in its own dir (app/, app-2/); stdout only
          // catches what comes before that.
          const dir = join(stateDir(), name);
          mkdirSync(dir, { recursive: true, mode: 0o700 });
          const logFile = join(dir, 'app.log');
          const stdoutLog = join(dir, 'stdout.log');
          const pid = spawnDetached(process.execPath, ['--import', 'tsx', mainFile], {
            logFile: stdoutLog,
            cwd: repoRoot,
            env: {
              PATH: process.env.PATH ?? '',
              HOME: process.env.HOME ?? '',
              NODE_ENV: 'production',
              ...env,
              LOG_FILE: logFile,
            },
          });
          updateState((state) => {
            state.services[name] = { host: localHost, port, owned: true, pid, configHash };
          });
          await waitFor(
            async () => {
              if (!isOurs(pid, marker))
                throw new ToolkitError(`${name} exited during start: see ${logFile} and ${stdoutLog}`);
              return (await readiness(port)) === 'ready' ? true : undefined;
            },
            { timeoutMs: 60_000, intervalMs: 250, what: `${name}'s /ready on ${localHost}:${port}` },
          );
        },
        verify: async () => `pid ${current()?.pid}, /ready answers on ${localHost}:${port}`,
      });
    },

    async down(run: Run): Promise<void> {
      const known = current();
      await run.converge({
        name: 'stopped',
        host: name,
        read: async () => isOurs(known?.pid, marker),
        diff: (ours) => (ours ? `stop pid ${known?.pid}` : null),
        describe: () => 'not running',
        apply: async () => {
          await stopProcess(known!.pid!, marker, 15_000);
        },
        verify: async () =>
          isOurs(known?.pid, marker) ? Promise.reject(new Error('still running')) : 'stopped',
      });
    },
  };
}

/** The app's data, then its instances, in start order. */
export const appComponents: LocalComponent[] = [
  appDataComponent,
  ...localAppInstances().map(appInstanceComponent),
];
