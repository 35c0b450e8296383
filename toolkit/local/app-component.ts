import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { migrateAll } from '../../app/src/ops.ts';
import { portOpen } from '../../lib/net.ts';
import { waitFor } from '../../lib/poll.ts';
import { generateProcedure } from '../app/generate-procedure.ts';
import { defaultGeneratedPassword, generateTargets } from '../app/generate-runbook.ts';
import { isOurs, spawnDetached, stopProcess } from '../host/process.ts';
import { repoRoot, stateDir } from '../inventory/paths.ts';
import type { Inventory } from '../inventory/schema.ts';
import { resolveSecret } from '../inventory/secrets.ts';
import { MysqlSession } from '../mysql/session.ts';
import { ToolkitError } from '../procedure/errors.ts';
import type { Run } from '../procedure/run.ts';
import type { LocalComponent, StatusRow } from './component.ts';
import { localHost, localInventory } from './inventory.ts';
import { loadState, updateState } from './state.ts';

const mainFile = resolve(repoRoot, 'app/src/main.ts');
/** The app's command line contains its entry file: that is how a pid is known to be ours. */
const marker = mainFile;
const demoUsers = 1000;

function appPort(): number {
  const raw = process.env.LOCAL_APP_PORT;
  return raw ? Number(raw) : 5000;
}

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

/** The app's whole configuration, for its environment (no secret on its command line). */
export function appEnvironment(inventory: Inventory, port = appPort()): Record<string, string> {
  const targets = generateTargets(inventory);
  const env: Record<string, string> = {
    APP_HOST: localHost,
    APP_PORT: String(port),
    LOG_LEVEL: 'info',
    MYSQL_HOST: targets.master.host,
    MYSQL_PORT: String(targets.master.port),
    MYSQL_USER: targets.master.user,
    MYSQL_PASSWORD: targets.master.password,
    MYSQL_DB: targets.master.database,
    SLAVE_MYSQL_HOSTS: inventory.mysql.slaves.map((s) => `${s.host}:${s.port}`).join(','),
    CHAT_MYSQL_HOST: targets.chat.host,
    CHAT_MYSQL_PORT: String(targets.chat.port),
    CHAT_MYSQL_USER: targets.chat.user,
    CHAT_MYSQL_PASSWORD: targets.chat.password,
    CHAT_MYSQL_DB: targets.chat.database,
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

async function readiness(port: number): Promise<'ready' | 'not ready' | 'down'> {
  try {
    const response = await fetch(`http://${localHost}:${port}/ready`, { signal: AbortSignal.timeout(2000) });
    return response.status === 200 ? 'ready' : 'not ready';
  } catch {
    return 'down';
  }
}

/** The social app on 127.0.0.1:5000: migrated, seeded with demo users when empty, kept running. */
export const appComponent: LocalComponent = {
  name: 'app',

  async up(run: Run): Promise<void> {
    const inventory = localInventory(loadState());
    const targets = generateTargets(inventory);
    const port = appPort();

    if (!run.dryRun) {
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
    }

    const current = () => loadState().services.app;
    await run.converge({
      name: 'running',
      host: 'app',
      read: async () => ({
        ours: isOurs(current()?.pid, marker),
        ready: await readiness(port),
        busy: await portOpen(localHost, port),
      }),
      diff: (s) => {
        if (s.ours && s.ready !== 'down') return null;
        if (!s.ours && s.busy)
          return `port ${port} is taken by another process; free it or set LOCAL_APP_PORT`;
        return `start the app on ${localHost}:${port}`;
      },
      describe: (s) => `pid ${current()?.pid} on ${localHost}:${port}, ${s.ready}`,
      apply: async (s) => {
        if (!s.ours && s.busy)
          throw new ToolkitError(`port ${port} is taken by another process; free it or set LOCAL_APP_PORT`);
        mkdirSync(appDir(), { recursive: true });
        // The app writes and rotates its own log (0640); stdout only catches what comes before that.
        const logFile = join(appDir(), 'app.log');
        const pid = spawnDetached(process.execPath, ['--import', 'tsx', mainFile], {
          logFile: join(appDir(), 'stdout.log'),
          cwd: repoRoot,
          env: {
            PATH: process.env.PATH ?? '',
            HOME: process.env.HOME ?? '',
            NODE_ENV: 'production',
            ...appEnvironment(inventory, port),
            LOG_FILE: logFile,
          },
        });
        updateState((state) => {
          state.services.app = { host: localHost, port, owned: true, pid };
        });
        await waitFor(
          async () => {
            if (!isOurs(pid, marker))
              throw new ToolkitError(
                `the app exited during start: see ${logFile} and ${join(appDir(), 'stdout.log')}`,
              );
            return (await readiness(port)) === 'ready' ? true : undefined;
          },
          { timeoutMs: 60_000, intervalMs: 250, what: `the app's /ready on ${localHost}:${port}` },
        );
      },
      verify: async () => `pid ${current()?.pid}, /ready answers on ${localHost}:${port}`,
    });
  },

  async down(run: Run): Promise<void> {
    const known = loadState().services.app;
    await run.converge({
      name: 'stopped',
      host: 'app',
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

  async status(): Promise<StatusRow[]> {
    const known = loadState().services.app;
    const port = known?.port ?? appPort();
    const ready = await readiness(port);
    const ours = isOurs(known?.pid, marker);
    const health = ready === 'ready' ? 'up' : ready === 'not ready' ? 'degraded' : 'down';
    const detail =
      ready === 'down'
        ? 'not answering'
        : `${ours ? `ours, pid ${known?.pid}` : 'not started by up'}, /ready: ${ready}`;
    return [{ component: 'app', name: 'app', address: `${localHost}:${port}`, health, detail }];
  },
};
