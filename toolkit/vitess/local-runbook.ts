import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { portOpen } from '../../lib/net.ts';
import { waitFor } from '../../lib/poll.ts';
import { findBinary } from '../host/binaries.ts';
import { isOurs, mysqlGreeting, spawnDetached, stopProcess } from '../host/process.ts';
import { stateDir } from '../inventory/paths.ts';
import { ToolkitError, UsageError } from '../procedure/errors.ts';
import type { RunbookDefinition } from '../procedure/main.ts';
import type { Run } from '../procedure/run.ts';
import { parseShardList } from './keyrange.ts';
import { type Layout, loadLayout } from './layout.ts';
import {
  addCellInfo,
  bootstrapCommands,
  type Endpoints,
  endpointsFor,
  etcdServer,
  mysqlctlInit,
  mysqlctlShutdown,
  requiredBinaries,
  type ServerPlan,
  type TabletPlan,
  tabletsOf,
  vtctldServerPlan,
  vtgateServer,
  vtorcServer,
  vttabletServer,
} from './local-cluster.ts';
import { parseTablets } from './outputs.ts';
import { isNotFound, shellLine, Vtctld } from './vtctldclient.ts';

const vtdataroot = (): string => resolve(stateDir(), 'vitess', 'vtdataroot');
const processFile = (root: string) => join(root, 'processes.json');

type Processes = Record<string, { pid: number; port: number }>;

function readProcesses(root: string): Processes {
  try {
    return JSON.parse(readFileSync(processFile(root), 'utf8')) as Processes;
  } catch {
    return {};
  }
}

function recordProcess(root: string, name: string, entry: { pid: number; port: number } | undefined): void {
  const all = readProcesses(root);
  if (entry) all[name] = entry;
  else delete all[name];
  mkdirSync(root, { recursive: true });
  writeFileSync(processFile(root), `${JSON.stringify(all, null, 2)}\n`);
}

interface Cluster {
  run: Run;
  layout: Layout & { dir: string };
  root: string;
  endpoints: Endpoints;
  vtctld: Vtctld;
}

const childEnv = (root: string) => ({ ...process.env, VTDATAROOT: root });

async function startServer({ run, root }: Cluster, plan: ServerPlan): Promise<void> {
  await run.converge({
    name: plan.name,
    host: `127.0.0.1:${plan.port}`,
    read: () => portOpen('127.0.0.1', plan.port),
    diff: (listening) => (listening ? null : `start: ${shellLine(plan.argv)}`),
    describe: () => 'listening',
    async apply() {
      const [binary = '', ...args] = plan.argv;
      const path = findBinary([binary]);
      if (!path)
        throw new ToolkitError(
          `${binary} is not on PATH (install Vitess v19+ and etcd: https://vitess.io/docs/get-started/local/)`,
        );
      mkdirSync(join(root, 'tmp'), { recursive: true });
      const pid = spawnDetached(path, args, {
        logFile: join(root, 'tmp', `${plan.name.split(' ')[0]}-${plan.port}.out`),
        env: childEnv(root),
      });
      recordProcess(root, plan.name, { pid, port: plan.port });
      await waitFor(
        async (why) => {
          if (!isOurs(pid, root))
            throw new ToolkitError(`${binary} exited at once: see ${join(root, 'tmp')}`);
          why(`port ${plan.port} not open yet`);
          return (await portOpen('127.0.0.1', plan.port)) ? true : undefined;
        },
        { timeoutMs: 120_000, intervalMs: 250, what: plan.name },
      );
    },
  });
}

async function startMysql({ run, root }: Cluster, tablet: TabletPlan): Promise<void> {
  await run.converge({
    name: `mysqld ${tablet.alias}`,
    host: `127.0.0.1:${tablet.mysqlPort}`,
    read: () => mysqlGreeting('127.0.0.1', tablet.mysqlPort),
    diff: (version) => (version ? null : shellLine(mysqlctlInit(root, tablet, existsSync(tablet.dir)))),
    describe: (version) => `MySQL ${version ?? ''} answering`,
    async apply() {
      const [binary = '', ...args] = mysqlctlInit(root, tablet, existsSync(tablet.dir));
      const path = findBinary([binary]);
      if (!path) throw new ToolkitError('mysqlctl is not on PATH (install Vitess v19+)');
      const result = await execa(path, args, { env: childEnv(root), reject: false, timeout: 300_000 });
      if (result.exitCode !== 0)
        throw new ToolkitError(`mysqlctl failed: ${String(result.stderr).trim().split('\n').pop() ?? ''}`);
    },
  });
}

async function vtctldCommand(
  cluster: Cluster,
  name: string,
  argv: string[],
  present?: () => Promise<boolean>,
): Promise<void> {
  const { run, vtctld } = cluster;
  if (!present) {
    await run.action(name, `vtctld ${vtctld.server}`, vtctld.commandLine(argv), async () => {
      await vtctld.run(argv, 300_000);
      return vtctld.commandLine(argv);
    });
    return;
  }
  await run.converge({
    name,
    host: `vtctld ${vtctld.server}`,
    read: async () => (run.dryRun && !(await portOpen(...hostPort(vtctld.server))) ? false : present()),
    diff: (there) => (there ? null : vtctld.commandLine(argv)),
    describe: () => 'in place',
    async apply() {
      await vtctld.run(argv, 300_000);
    },
  });
}

function hostPort(server: string): [string, number] {
  const i = server.lastIndexOf(':');
  return [server.slice(0, i), Number(server.slice(i + 1))];
}

async function waitForPrimaries({ run, vtctld }: Cluster, keyspace: string, shards: string[]): Promise<void> {
  const detail = `VTOrc elects a primary in ${shards.map((s) => `${keyspace}/${s}`).join(', ')} (poll ${vtctld.commandLine(['GetTablets', `--keyspace=${keyspace}`])})`;
  if (run.dryRun) {
    await run.step(`primaries of ${keyspace}`, `vtctld ${vtctld.server}`, async () => ({
      status: 'planned',
      detail,
    }));
    return;
  }
  await run.check(`primaries of ${keyspace}`, `vtctld ${vtctld.server}`, () =>
    waitFor(
      async (why) => {
        const tablets = parseTablets(await vtctld.run(['GetTablets', `--keyspace=${keyspace}`]));
        const missing = shards.filter((s) => !tablets.some((t) => t.shard === s && t.type === 'primary'));
        why(`no primary yet in ${missing.join(', ')}`);
        return missing.length === 0 ? `primary in ${shards.join(', ')}` : undefined;
      },
      { timeoutMs: 180_000, intervalMs: 1000, what: `primaries of ${keyspace}` },
    ),
  );
}

async function startShards(cluster: Cluster, keyspace: string, shards: string[]): Promise<void> {
  for (const shard of shards) {
    for (const tablet of tabletsOf(cluster.layout, cluster.root, keyspace, shard)) {
      await startMysql(cluster, tablet);
      await startServer(cluster, vttabletServer(cluster.layout, cluster.root, cluster.endpoints, tablet));
    }
  }
}

async function keyspaceExists(vtctld: Vtctld, keyspace: string): Promise<boolean> {
  try {
    await vtctld.run(['GetKeyspace', keyspace]);
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

async function up(cluster: Cluster): Promise<void> {
  const { run, layout, root, endpoints, vtctld } = cluster;
  await run.step('binaries', 'this machine', async () => {
    const missing = requiredBinaries.filter((b) => !findBinary([b]));
    const mysqld = findBinary(['mysqld']);
    // Debian's MariaDB installs a mysqld too; Vitess v19+ needs MySQL 8.
    const mariadb = mysqld
      ? /mariadb/i.test(String((await execa(mysqld, ['--version'], { reject: false })).stdout))
      : false;
    if (missing.length === 0 && !mariadb) return { status: 'ok', detail: requiredBinaries.join(', ') };
    const problems = [
      ...(missing.length ? [`not on PATH: ${missing.join(', ')}`] : []),
      ...(mariadb ? [`${mysqld} is MariaDB, Vitess needs MySQL 8`] : []),
    ];
    const detail = `${problems.join('; ')} (Vitess v19+ with etcd and MySQL 8: https://vitess.io/docs/get-started/local/)`;
    if (run.dryRun) return { status: 'planned', detail };
    throw new ToolkitError(detail);
  });
  mkdirSync(join(root, 'tmp'), { recursive: true });
  await startServer(cluster, etcdServer(layout, root));
  await startServer(cluster, vtctldServerPlan(layout, root, endpoints));
  await vtctldCommand(cluster, `cell ${layout.cell}`, addCellInfo(layout), async () =>
    (await vtctld.run(['GetCellInfoNames'])).split(/\s+/).includes(layout.cell),
  );
  for (const keyspace of Object.keys(layout.initialShards)) {
    await vtctldCommand(cluster, `keyspace ${keyspace}`, bootstrapCommands(layout, keyspace).create, () =>
      keyspaceExists(vtctld, keyspace),
    );
  }
  for (const [keyspace, shards] of Object.entries(layout.initialShards))
    await startShards(cluster, keyspace, shards);
  await startServer(cluster, vtorcServer(layout, root));
  for (const [keyspace, shards] of Object.entries(layout.initialShards)) {
    await waitForPrimaries(cluster, keyspace, shards);
    const { schema, vschema } = bootstrapCommands(layout, keyspace);
    for (const [i, argv] of schema.entries())
      await vtctldCommand(cluster, `schema ${keyspace} #${i + 1}`, argv);
    await vtctldCommand(cluster, `vschema ${keyspace}`, vschema);
  }
  await startServer(cluster, vtgateServer(layout, root, endpoints));
  run.note(
    `vtgate: mysql -h ${endpoints.vtgate.host} -P ${endpoints.vtgate.mysqlPort} (CHAT_MYSQL_HOST/PORT for the app); vtctld: ${vtctld.server}`,
  );
}

async function retire(cluster: Cluster, keyspace: string, shards: string[]): Promise<void> {
  for (const shard of shards) {
    for (const tablet of tabletsOf(cluster.layout, cluster.root, keyspace, shard)) {
      await stopRecorded(
        cluster,
        vttabletServer(cluster.layout, cluster.root, cluster.endpoints, tablet).name,
      );
      await shutdownMysql(cluster, tablet);
    }
  }
}

async function stopRecorded({ run, root }: Cluster, name: string): Promise<void> {
  const entry = readProcesses(root)[name];
  await run.converge({
    name: `stop ${name}`,
    host: entry ? `127.0.0.1:${entry.port}` : 'this machine',
    read: async () => (entry && isOurs(entry.pid, root) ? entry.pid : undefined),
    diff: (pid) => (pid ? `stop pid ${pid}` : null),
    describe: () => 'not running (or not started by the toolkit)',
    async apply(pid) {
      if (pid) await stopProcess(pid, root);
      recordProcess(root, name, undefined);
    },
  });
}

async function shutdownMysql({ run, root }: Cluster, tablet: TabletPlan): Promise<void> {
  await run.converge({
    name: `mysqld ${tablet.alias}`,
    host: `127.0.0.1:${tablet.mysqlPort}`,
    read: async () => existsSync(tablet.dir) && Boolean(await mysqlGreeting('127.0.0.1', tablet.mysqlPort)),
    diff: (running) => (running ? shellLine(mysqlctlShutdown(root, tablet)) : null),
    describe: () => 'not running',
    async apply() {
      const [binary = '', ...args] = mysqlctlShutdown(root, tablet);
      const result = await execa(findBinary([binary]) ?? binary, args, {
        env: childEnv(root),
        reject: false,
        timeout: 300_000,
      });
      if (result.exitCode !== 0)
        throw new ToolkitError(
          `mysqlctl shutdown failed: ${String(result.stderr).trim().split('\n').pop() ?? ''}`,
        );
    },
  });
}

async function down(cluster: Cluster): Promise<void> {
  const { layout } = cluster;
  await stopRecorded(cluster, 'vtgate');
  await stopRecorded(cluster, 'vtorc');
  for (const [keyspace, ks] of Object.entries(layout.keyspaces))
    await retire(cluster, keyspace, Object.keys(ks.shards));
  await stopRecorded(cluster, 'vtctld');
  await stopRecorded(cluster, 'etcd');
}

async function status(cluster: Cluster): Promise<void> {
  const { run, layout, root, endpoints } = cluster;
  const servers = [
    etcdServer(layout, root),
    vtctldServerPlan(layout, root, endpoints),
    vtorcServer(layout, root),
    vtgateServer(layout, root, endpoints),
  ];
  for (const [keyspace, ks] of Object.entries(layout.keyspaces)) {
    for (const shard of Object.keys(ks.shards))
      for (const t of tabletsOf(layout, root, keyspace, shard))
        servers.push(vttabletServer(layout, root, endpoints, t));
  }
  for (const server of servers) {
    await run.check(server.name, `127.0.0.1:${server.port}`, async () =>
      (await portOpen('127.0.0.1', server.port, 300)) ? 'listening' : 'down',
    );
  }
}

const actions = ['up', 'add-shards', 'retire-shards', 'down', 'status'] as const;

export const vitessLocalRunbook: RunbookDefinition<Record<string, never>> = {
  name: 'vitess-local',
  summary:
    "A local Vitess cluster for chat_message, as Vitess's examples/local build one (etcd, vtctld, mysqlctl + vttablet\n" +
    'per tablet, VTOrc, vtgate), laid out by vitess/layout.yaml with the endpoints of the inventory. Needs the Vitess\n' +
    'v19+ binaries, etcd and MySQL 8 on PATH. Actions: up | add-shards <keyspace> <shards> | retire-shards <keyspace>\n' +
    '<shards> | down | status. Data and logs: .local/vitess/vtdataroot.',
  positionalUsage: '<up|add-shards|retire-shards|down|status> [keyspace shards]',
  // Adding or retiring shards changes the cluster's shape; bringing the cluster up or down does not.
  changesTopology: (_flags, [action]) => action === 'add-shards' || action === 'retire-shards',
  validate(_flags, positionals) {
    const [action, keyspace, shards] = positionals;
    if (!actions.includes(action as (typeof actions)[number]))
      throw new UsageError(`action must be one of ${actions.join(', ')}`);
    if (action === 'add-shards' || action === 'retire-shards') {
      if (positionals.length !== 3)
        throw new UsageError(
          `${action} takes a keyspace and a shard list, such as: ${action} chat_message -80,80-`,
        );
      const layout = loadLayout();
      const ks = layout.keyspaces[keyspace ?? ''];
      if (!ks)
        throw new UsageError(
          `keyspace '${keyspace}' is not in vitess/layout.yaml (${Object.keys(layout.keyspaces).join(', ')})`,
        );
      for (const shard of parseShardList(shards ?? '', 'shards')) {
        if (ks.shards[shard.name] === undefined)
          throw new UsageError(`shard ${keyspace}/${shard.name} is not in vitess/layout.yaml`);
      }
    } else if (positionals.length !== 1) throw new UsageError(`${action} takes no further arguments`);
  },
  async procedure(run, { inventory, positionals }) {
    const layout = loadLayout();
    const endpoints = endpointsFor(inventory, layout);
    const root = vtdataroot();
    const vtctld = new Vtctld({
      server: `${endpoints.vtctld.host}:${endpoints.vtctld.grpcPort}`,
      binary: process.env.VTCTLDCLIENT || 'vtctldclient',
    });
    const cluster: Cluster = { run, layout, root, endpoints, vtctld };
    const [action, keyspace = '', shards = ''] = positionals;
    const names = () => parseShardList(shards, 'shards').map((s) => s.name);
    if (action === 'up') await up(cluster);
    else if (action === 'add-shards') {
      await startShards(cluster, keyspace, names());
      await waitForPrimaries(cluster, keyspace, names());
    } else if (action === 'retire-shards') await retire(cluster, keyspace, names());
    else if (action === 'down') await down(cluster);
    else await status(cluster);
  },
};
