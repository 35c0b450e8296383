import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { mysqlGreeting } from '../host/process.ts';
import { accountScript } from '../mysql/account.ts';
import { replicationProcedure } from '../mysql/replication.ts';
import { semisyncProcedure } from '../mysql/semisync.ts';
import { MysqlSession } from '../mysql/session.ts';
import { ToolkitError } from '../procedure/errors.ts';
import type { Run } from '../procedure/run.ts';
import type { LocalComponent } from './component.ts';
import { localInventory, localMysqlNode } from './inventory.ts';
import {
  ensureDataDir,
  findServerBinaries,
  nodeIsRunning,
  nodePaths,
  runAsSocketRoot,
  type ServerBinaries,
  startNode,
  stopNode,
  waitUntilServing,
} from './mysql-node.ts';
import { type LocalMysqlNode, loadState, updateState } from './state.ts';

/** The master and its slaves as local mariadbd/mysqld processes, replicating with semi-sync. */
export const mysqlComponent: LocalComponent = {
  name: 'mysql',

  async up(run: Run): Promise<void> {
    await startMysqlNodes(run);
    const state = loadState();
    const inventory = localInventory(state);
    await ensureAppDatabase(run, inventory.mysql.master.name);
    await replicationProcedure(run, inventory);
    await semisyncProcedure(run, inventory);
  },

  async down(run: Run, { wipe }): Promise<void> {
    const state = loadState();
    // Slaves first, so the master never waits on semi-sync acks from a slave that is going away.
    const order = [...state.mysql.slaves, ...state.mysql.fenced, state.mysql.master];
    for (const name of order) {
      const node = state.mysql.nodes.find((n) => n.name === name)!;
      await run.converge({
        name: 'stopped',
        host: name,
        read: async () => nodeIsRunning(node),
        diff: (running) => (running ? `stop pid ${node.pid}` : null),
        describe: () => 'not running',
        apply: async () => {
          await stopNode(node);
        },
        verify: async () => (nodeIsRunning(node) ? Promise.reject(new Error('still running')) : 'stopped'),
      });
      if (wipe)
        await run.action('data wiped', name, `remove ${nodePaths(name).dir}`, async () => {
          rmSync(nodePaths(name).dir, { recursive: true, force: true });
          return undefined;
        });
    }
  },
};

/** Every node initialised, running and with the admin user: servers, not yet a topology. */
export async function startMysqlNodes(run: Run): Promise<void> {
  let binaries: ServerBinaries | undefined;
  await run.check('server binaries', 'local', async () => {
    binaries = findServerBinaries();
    return binaries.version;
  });
  for (const node of loadState().mysql.nodes) await ensureNode(run, binaries!, node.name);
}

async function ensureNode(run: Run, binaries: ServerBinaries, name: string): Promise<void> {
  const current = () => loadState().mysql.nodes.find((n) => n.name === name)!;
  const paths = nodePaths(name);
  await run.converge({
    name: 'data dir',
    host: name,
    read: async () => ({ data: existsSync(join(paths.data, 'mysql')) }),
    diff: (s) => (s.data ? null : `initialise ${paths.data}`),
    describe: () => paths.dir,
    apply: async () => {
      await ensureDataDir(binaries, current());
    },
    verify: async () => undefined,
  });
  // The config is rendered every time: it is derived, and a stale one must not survive an upgrade.
  await ensureDataDir(binaries, current());
  await run.converge({
    name: 'running',
    host: name,
    read: async () => ({
      running: nodeIsRunning(current()),
      answering: await mysqlGreeting('127.0.0.1', current().port),
    }),
    diff: (s) => {
      if (s.running) return null;
      if (s.answering)
        return `port ${current().port} is taken by another server (${s.answering}); free it or set LOCAL_MYSQL_PORT`;
      return `start on port ${current().port}`;
    },
    describe: () => `pid ${current().pid} on port ${current().port}`,
    apply: async (s) => {
      if (s.answering)
        throw new ToolkitError(
          `port ${current().port} is taken by another server (${s.answering}); free it or set LOCAL_MYSQL_PORT`,
        );
      const pid = startNode(binaries, current());
      updateState((state) => {
        state.mysql.nodes.find((n) => n.name === name)!.pid = pid;
      });
      await waitUntilServing(current(), pid);
    },
  });
  await ensureAdminUser(run, binaries, current());
}

/** The toolkit's admin account on 127.0.0.1, created over the socket with binlogging off (no GTID of its own). */
async function ensureAdminUser(run: Run, binaries: ServerBinaries, node: LocalMysqlNode): Promise<void> {
  const state = loadState();
  const inventory = localInventory(state);
  const mysqlNode = localMysqlNode(state, node.name);
  await run.converge({
    name: 'admin user',
    host: node.name,
    read: async () => {
      try {
        const session = await MysqlSession.open(mysqlNode, inventory.mysql.admin, { timeoutMs: 3000 });
        await session.close();
        return true;
      } catch {
        return false;
      }
    },
    diff: (ok) => (ok ? null : `create '${inventory.mysql.admin.user}'@'127.0.0.1' over the socket`),
    describe: () => `'${inventory.mysql.admin.user}'@'127.0.0.1' logs in`,
    apply: async () => {
      const { user, password } = inventory.mysql.admin;
      const accounts = ['127.0.0.1', 'localhost'].map((host) => ({
        user,
        host,
        password,
        grants: [{ privileges: ['ALL PRIVILEGES', 'GRANT OPTION'] }],
        purpose: 'every privilege',
      }));
      await runAsSocketRoot(binaries, node, accountScript(accounts));
    },
  });
}

/**
 * The app's database, made on the master and replicated. Its two accounts (the app's, rows only, and
 * the migrations', DDL) are kept on every node by the replication procedure that follows, like the
 * replication user (toolkit/mysql/app-accounts.ts).
 */
async function ensureAppDatabase(run: Run, masterName: string): Promise<void> {
  const state = loadState();
  const inventory = localInventory(state);
  const { database } = inventory.mysql;
  const master = await MysqlSession.open(localMysqlNode(state, masterName), inventory.mysql.admin);
  run.onClose(() => master.close());
  await run.converge({
    name: 'app database',
    host: masterName,
    read: async () =>
      (await master.value('SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [
        database,
      ])) === '1',
    diff: (exists) => (exists ? null : `create database ${database}`),
    describe: () => database,
    apply: async () => {
      await master.exec('CREATE DATABASE IF NOT EXISTS ?? CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci', [
        database,
      ]);
    },
  });
}
