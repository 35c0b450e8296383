import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { reapWithThisProcess } from '../../lib/child-reaper.ts';
import { waitFor } from '../../lib/poll.ts';
import { repoRoot } from '../../toolkit/inventory/paths.ts';
import type { Inventory } from '../../toolkit/inventory/schema.ts';
import { appEnvironment as localAppEnvironment } from '../../toolkit/local/app-component.ts';
import { ToolkitError } from '../../toolkit/procedure/errors.ts';

const mainFile = 'app/src/main.ts';

/** Where reads go: `master` (no slaves configured) or `slaves` (the inventory's, round-robin). */
export type ReadPool = 'master' | 'slaves';

export interface AppProcessOptions {
  reads: ReadPool;
  /** Extra settings of the series (a search backend switch). */
  extraEnv?: Record<string, string>;
  logFile: string;
  /** RabbitMQ names of the instance; unset: the environment's own (these instances join its app). */
  rabbitmqPrefix?: string;
  logLevel: string;
  poolSize?: number;
  /** Another checkout of the project to run the app from (a baseline to compare with); this one by default. */
  root?: string;
  /** Node's own flags before the script (`--cpu-prof`...). */
  nodeArgs?: string[];
  /** Another entry than the app's main.ts, relative to the root (the HTTP floor's server). */
  mainFile?: string;
}

export interface AppProcess {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * The app's configuration for one series, built from the inventory as the local environment's app
 * component builds it, but with its own port, a throwaway token secret and the series' read pool.
 * Secrets travel in the child's environment only, never on a command line.
 */
export function appEnvironment(
  inventory: Inventory,
  port: number,
  options: Omit<AppProcessOptions, 'logFile'>,
): Record<string, string> {
  const env: Record<string, string> = {
    ...localAppEnvironment(inventory, { name: 'app', port, id: 1 }),
    LOG_LEVEL: options.logLevel,
    // No slaves configured: the app reads from the master.
    SLAVE_MYSQL_HOSTS:
      options.reads === 'slaves' ? inventory.mysql.slaves.map((s) => `${s.host}:${s.port}`).join(',') : '',
    AUTH_TOKEN_SECRET: randomBytes(32).toString('base64url'),
    ...(options.extraEnv ?? {}),
  };
  if (options.rabbitmqPrefix) env.RABBITMQ_PREFIX = options.rabbitmqPrefix;
  if (options.poolSize) env.MYSQL_POOL_SIZE = String(options.poolSize);
  return env;
}

/** A port nothing listens on right now, chosen by the kernel. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * Starts one app instance of our own (node app/src/main.ts) for a series and waits for its /ready.
 * It is our child: stop() ends it by its pid (SIGTERM, then SIGKILL after 15 s), and so does this
 * process's own end (an interrupted report leaves no instance running).
 */
export async function startAppProcess(inventory: Inventory, options: AppProcessOptions): Promise<AppProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const log = openSync(options.logFile, 'a');
  let child: ChildProcess;
  try {
    const root = options.root ?? repoRoot;
    child = spawn(
      process.execPath,
      [...(options.nodeArgs ?? []), '--import', 'tsx', resolve(root, options.mainFile ?? mainFile)],
      {
        cwd: root,
        stdio: ['ignore', log, log],
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '',
          NODE_ENV: 'production',
          ...appEnvironment(inventory, port, options),
        },
      },
    );
  } finally {
    closeSync(log);
  }
  const pid = child.pid;
  if (pid === undefined) throw new ToolkitError('could not start the app');
  reapWithThisProcess(child);
  let exited: number | null | undefined;
  child.once('exit', (code) => {
    exited = code;
  });
  const stop = async (): Promise<void> => {
    if (exited !== undefined) return;
    child.kill('SIGTERM');
    try {
      await waitFor(async () => (exited !== undefined ? true : undefined), {
        timeoutMs: 15_000,
        intervalMs: 100,
        what: `the app (pid ${pid}) to exit`,
      });
    } catch {
      child.kill('SIGKILL');
    }
  };
  const died = new Promise<never>((_, reject) =>
    child.once('exit', (code) =>
      reject(new ToolkitError(`the app exited during start (code ${code}): see ${options.logFile}`)),
    ),
  );
  died.catch(() => {});
  try {
    await Promise.race([
      died,
      waitFor(
        async (why) => {
          try {
            const response = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(2000) });
            if (response.status === 200) return true;
            why(`/ready answered ${response.status}: ${await response.text()}`);
          } catch (error) {
            why((error as Error).message);
          }
          return exited === undefined ? undefined : false;
        },
        { timeoutMs: 60_000, intervalMs: 200, what: `the app's /ready on ${url}` },
      ),
    ]);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, pid, stop };
}
