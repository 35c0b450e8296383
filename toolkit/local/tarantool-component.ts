import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { portOpen } from '../../lib/net.ts';
import { waitFor } from '../../lib/poll.ts';
import { findBinary } from '../host/binaries.ts';
import { isOurs, stopProcess } from '../host/process.ts';
import type { Inventory } from '../inventory/schema.ts';
import { resolveSecret } from '../inventory/secrets.ts';
import { MysqlSession } from '../mysql/session.ts';
import { ToolkitError } from '../procedure/errors.ts';
import type { Run } from '../procedure/run.ts';
import {
  localTarantoolSecretKeys,
  replicatorMysqlCredential,
  replicatorSource,
  tarantoolAppCredential,
} from '../tarantool/credentials.ts';
import { measureLag } from '../tarantool/lag.ts';
import { ensureReplicatorUsers } from '../tarantool/mysql-user.ts';
import { connectAdmin, describeLag, type ReplicatorControl, replicatedTables } from '../tarantool/runbook.ts';
import { ensureTarantoolSchema } from '../tarantool/schema.ts';
import {
  replicatorMarker,
  startReplicator,
  startTarantool,
  stopTarantool,
  tarantoolIsOurs,
} from '../tarantool/server.ts';
import type { LocalComponent } from './component.ts';
import { localHost, localInventory } from './inventory.ts';
import { localMetricsPorts } from './metrics-ports.ts';
import { ensureLocalSecrets } from './secrets-file.ts';
import { serviceDir } from './service.ts';
import { loadState, updateState } from './state.ts';

const port = () => Number(process.env.LOCAL_TARANTOOL_PORT ?? 3301);
const tarantoolDir = () => serviceDir('tarantool');
const replicatorLog = () => join(serviceDir('replicator'), 'replicator.log');

/** Generates the Tarantool and replicator passwords once, next to the environment's other secrets. */
const ensureTarantoolSecrets = (run: Run) =>
  ensureLocalSecrets(run, {}, { host: 'tarantool', keys: localTarantoolSecretKeys });

async function userTableExists(session: MysqlSession, database: string, tables: string[]): Promise<boolean> {
  const found = await session.value(
    `SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME IN (${tables.map(() => '?').join(', ')})`,
    [database, ...tables],
  );
  return Number(found) === tables.length;
}

/** The replicator control for the tarantool runbook: the local one for the local inventory, else none. */
export function localReplicatorControlFor(inventory: Inventory): ReplicatorControl | undefined {
  return inventory.name === 'local' ? localReplicatorControl : undefined;
}

/**
 * Starts the replicator as a process of the local environment, or restarts it when asked, or when it
 * reads from another address than the writer the inventory names now (after a failover without HAProxy).
 */
export const localReplicatorControl: ReplicatorControl = {
  logFile: replicatorLog,
  async ensureRunning(run: Run, restart: boolean): Promise<void> {
    const known = () => loadState().services.replicator;
    let logFrom = 0;
    const wanted = () => {
      const source = replicatorSource(localInventory(loadState()));
      return `${source.host}:${source.port}`;
    };
    await run.converge({
      name: 'replicator',
      host: 'local',
      read: async () => ({
        running: isOurs(known()?.pid, replicatorMarker),
        pid: known()?.pid,
        source: known()?.source,
        metrics: known()?.configHash,
      }),
      diff: (s) => {
        if (!s.running) return `start the replicator on ${wanted()}`;
        if (restart) return `restart the replicator (pid ${s.pid})`;
        if (s.metrics !== metricsConfig())
          return `restart the replicator (pid ${s.pid}) to serve its metrics on ${metricsConfig()}`;
        if (s.source !== wanted())
          return `restart the replicator (pid ${s.pid}) on the writer ${wanted()}: it reads ${s.source ?? 'an unrecorded address'}`;
        return null;
      },
      describe: (s) => `running, pid ${s.pid}, reads ${s.source}, log ${replicatorLog()}`,
      apply: async (s) => {
        if (s.running) await stopProcess(s.pid!, replicatorMarker, 30_000);
        const inventory = localInventory(loadState());
        const mysqlCredential = replicatorMysqlCredential(inventory);
        const appCredential = tarantoolAppCredential(inventory);
        const source = replicatorSource(inventory);
        mkdirSync(serviceDir('replicator'), { recursive: true });
        logFrom = readLog().length;
        const pid = startReplicator({
          mysql: {
            ...source,
            user: mysqlCredential.user,
            password: resolveSecret(mysqlCredential.password),
            database: inventory.mysql.database,
          },
          tarantool: {
            host: inventory.tarantool?.host ?? localHost,
            port: inventory.tarantool?.port ?? port(),
            user: appCredential.user,
            password: resolveSecret(appCredential.password),
          },
          logFile: replicatorLog(),
          metricsPort: localMetricsPorts().replicator,
        });
        updateState((state) => {
          // No port of its own: it only connects out. Its lag is read from Tarantool (scripts/tarantool.mjs).
          state.services.replicator = {
            host: localHost,
            port: 0,
            owned: true,
            pid,
            source: `${source.host}:${source.port}`,
            configHash: metricsConfig(),
          };
        });
      },
      verify: async () => {
        const pid = known()?.pid;
        // A replicator that cannot log in or find its table exits or retries: show its last words.
        await waitFor(
          async (why) => {
            if (!isOurs(pid, replicatorMarker))
              throw new ToolkitError(`the replicator exited: see ${replicatorLog()}`);
            const log = readLog().slice(logFrom);
            if (/streaming the binlog|initial load/.test(log)) return true;
            why(`its log says: ${lastLine(log) || 'nothing yet'}`);
            return undefined;
          },
          { timeoutMs: 60_000, intervalMs: 200, what: `the replicator to connect (see ${replicatorLog()})` },
        );
        return `pid ${pid} reads ${known()?.source}, log ${replicatorLog()}`;
      },
    });
  },
};

/** Where the replicator serves /metrics: a replicator started with another (or none) is restarted. */
function metricsConfig(): string {
  return `${localHost}:${localMetricsPorts().replicator}`;
}

function lastLine(text: string): string {
  return text.trimEnd().split('\n').pop() ?? '';
}

function readLog(): string {
  try {
    return readFileSync(replicatorLog(), 'utf8');
  } catch {
    return '';
  }
}

/** Tarantool with compose/tarantool/init.lua, and the replicator that fills it from the master. */
export const tarantoolComponent: LocalComponent = {
  name: 'tarantool',

  async up(run: Run): Promise<void> {
    if (!findBinary(['tarantool'])) {
      await run.check(
        'tarantool',
        'local',
        async () => 'skipped: tarantool is not installed (apt-get install tarantool)',
      );
      return;
    }
    await ensureTarantoolSecrets(run);
    const known = () => loadState().services.tarantool;
    await run.converge({
      name: 'running',
      host: 'tarantool',
      read: async () => ({
        ours: tarantoolIsOurs(known()?.pid, tarantoolDir()),
        busy: await portOpen(localHost, port()),
      }),
      diff: (s) => (s.ours ? null : `start tarantool on ${localHost}:${port()}`),
      describe: () => `ours, pid ${known()?.pid} on ${localHost}:${port()}`,
      apply: async (s) => {
        if (s.busy)
          throw new ToolkitError(
            `${localHost}:${port()} is taken by another process: set LOCAL_TARANTOOL_PORT`,
          );
        const pid = await startTarantool({
          host: localHost,
          port: port(),
          dir: tarantoolDir(),
          appPassword: resolveSecret('local:tarantool-app'),
          adminPassword: resolveSecret('local:tarantool-admin'),
        });
        updateState((state) => {
          state.services.tarantool = { host: localHost, port: port(), owned: true, pid };
        });
      },
    });
    const inventory = localInventory(loadState());
    const admin = await connectAdmin(inventory);
    try {
      await ensureTarantoolSchema(run, admin, 'tarantool');
      const tables = replicatedTables(inventory);
      const master = await MysqlSession.open(inventory.mysql.master, inventory.mysql.admin);
      try {
        if (!(await userTableExists(master, inventory.mysql.database, tables))) {
          await run.check(
            'replicator',
            'local',
            async () =>
              `waiting for ${inventory.mysql.database}.${tables.join(', ')}: the app's migrations create it (start the app first)`,
          );
          return;
        }
        await ensureReplicatorUsers(run, inventory, tables);
        await localReplicatorControl.ensureRunning(run, false);
        await run.verify('caught up', 'replicator', async () => {
          const lag = await waitFor(
            async (why) => {
              const current = await measureLag(master, admin, 0);
              why(`${describeLag(current)}; its log says: ${lastLine(readLog()) || 'nothing'}`);
              return current.caughtUp ? current : undefined;
            },
            {
              timeoutMs: 300_000,
              intervalMs: 200,
              what: `the replicator to catch up with ${inventory.mysql.master.name}`,
            },
          );
          return describeLag(lag);
        });
      } finally {
        await master.close();
      }
    } finally {
      admin.close();
    }
  },

  async down(run: Run, { wipe }): Promise<void> {
    const replicator = loadState().services.replicator;
    await run.converge({
      name: 'stopped',
      host: 'replicator',
      read: async () => isOurs(replicator?.pid, replicatorMarker),
      diff: (ours) => (ours ? `stop pid ${replicator?.pid}` : null),
      describe: () => 'not running',
      apply: async () => {
        await stopProcess(replicator!.pid!, replicatorMarker, 30_000);
      },
    });
    const tarantool = loadState().services.tarantool;
    await run.converge({
      name: 'stopped',
      host: 'tarantool',
      read: async () => tarantoolIsOurs(tarantool?.pid, tarantoolDir()),
      diff: (ours) => (ours ? `stop pid ${tarantool?.pid}` : null),
      describe: () => 'not running',
      apply: async () => {
        await stopTarantool(tarantool!.pid!, tarantoolDir());
      },
    });
    updateState((state) => {
      delete state.services.replicator;
      delete state.services.tarantool;
    });
    if (wipe && existsSync(tarantoolDir()))
      await run.action('data wiped', 'tarantool', `remove ${tarantoolDir()}`, async () => {
        rmSync(tarantoolDir(), { recursive: true, force: true });
        return undefined;
      });
  },
};
