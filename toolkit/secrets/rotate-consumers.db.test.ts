import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePorts } from '../../lib/net.ts';
import { waitFor } from '../../lib/poll.ts';
import { agentPid, agentStatus, haproxyFiles } from '../haproxy/processes.ts';
import { showServers } from '../haproxy/runtime-api.ts';
import { isAlive } from '../host/process.ts';
import type { LocalComponent } from '../local/component.ts';
import { haproxyComponent } from '../local/haproxy-component.ts';
import { localMetricsPorts } from '../local/metrics-ports.ts';
import { prometheusComponent } from '../local/prometheus-component.ts';
import { serviceDir } from '../local/service.ts';
import { loadState } from '../local/state.ts';
import { tarantoolComponent } from '../local/tarantool-component.ts';
import { quietRun, runRunbook, startTestCluster, type TestCluster } from '../local/testing.ts';
import { MysqlSession } from '../mysql/session.ts';
import { connectAdmin } from '../tarantool/runbook.ts';
import { createUserTable, insertUsers } from '../tarantool/test-users.ts';
import { logsIn } from './dual-password.ts';

// The rotation of the accounts whose consumers are long-running processes other than the app: HAProxy's
// health agent (monitor), the mysqld-exporters (exporter), the Tarantool replicator (replicator). One
// throwaway environment on this file's own ports (a reserved block): MySQL master and two slaves, HAProxy and its
// agent, Tarantool and the replicator (reading through HAProxy's writer endpoint), Prometheus and exporters.
let ports: { mysql: number; haproxy: number; metrics: number; prometheus: number; tarantool: number };

let cluster: TestCluster;
const components: LocalComponent[] = [haproxyComponent, tarantoolComponent, prometheusComponent];

const secrets = () => JSON.parse(readFileSync(join(cluster.stateDir, 'secrets.json'), 'utf8'));
const nodes = () => [cluster.inventory().mysql.master, ...cluster.inventory().mysql.slaves];
const logins = (user: string, password: string) =>
  Promise.all(nodes().map((node) => logsIn(node, user, password)));
const rotate = (args: string[]) => runRunbook('rotate-password', [...args, '--json'], cluster.env);
let agentListen: { host: string; port: number };
const haproxyDir = () => haproxyFiles(serviceDir('haproxy'));

/**
 * Ends every session the account has on every node: its consumer has to log in again with the password
 * it holds, so a consumer still on the old one shows it (a kept connection outlives a password change).
 */
async function killSessions(user: string): Promise<number> {
  let killed = 0;
  for (const node of nodes()) {
    const session = await cluster.session(node.name);
    const rows = await session.query('SELECT ID FROM information_schema.PROCESSLIST WHERE USER = ?', [user]);
    for (const row of rows) {
      await session.exec('KILL CONNECTION ?', [Number(row.ID)]).catch(() => {});
      killed++;
    }
  }
  return killed;
}

/** Runs the rotation and expects no failed step: its result. */
async function rotateWithoutFailure(name: string) {
  const result = await rotate([name]);
  expect(result.code, result.stderr).toBe(0);
  expect(result.report!.steps.filter((s) => s.status === 'failed')).toEqual([]);
  return result;
}

async function rerunChangesNothing(name: string): Promise<void> {
  const rerun = await rotate([name, '--resume']);
  expect(rerun.code, rerun.stderr).toBe(0);
  expect(rerun.report!.changed, JSON.stringify(rerun.report!.steps)).toBe(0);
}

beforeAll(async () => {
  const base = await freePorts(50);
  ports = {
    mysql: base,
    haproxy: base + 10,
    metrics: base + 20,
    prometheus: base + 40,
    tarantool: base + 45,
  };
  agentListen = { host: '127.0.0.1', port: ports.haproxy + 2 };
  Object.assign(process.env, {
    LOCAL_HAPROXY_WRITER_PORT: String(ports.haproxy),
    LOCAL_HAPROXY_READER_PORT: String(ports.haproxy + 1),
    LOCAL_HAPROXY_AGENT_PORT: String(ports.haproxy + 2),
    LOCAL_METRICS_PORT: String(ports.metrics),
    LOCAL_PROMETHEUS_PORT: String(ports.prometheus),
    LOCAL_PROMETHEUS_INTERVAL: '1',
    LOCAL_TARANTOOL_PORT: String(ports.tarantool),
  });
  cluster = await startTestCluster({ slaves: 2, basePort: ports.mysql });
  const inventory = cluster.inventory();
  // The replicator's table, as the app's migration makes it, with a few users to load.
  const master = await MysqlSession.open(inventory.mysql.master, inventory.mysql.admin);
  try {
    await createUserTable(master, 'app');
    await insertUsers(master, 'app', 1, 100);
  } finally {
    await master.close();
  }
  const run = quietRun('rotation-consumers-env');
  try {
    for (const component of components) await component.up(run);
  } finally {
    await run.close();
  }
  expect(run.report().steps.filter((s) => s.status === 'failed')).toEqual([]);
  const state = loadState();
  expect([Boolean(state.haproxy), Boolean(state.services.replicator), Boolean(state.monitoring)]).toEqual([
    true,
    true,
    true,
  ]);
}, 240_000);

afterAll(async () => {
  const run = quietRun('rotation-consumers-down');
  for (const component of [...components].reverse())
    await component.down(run, { wipe: false }).catch(() => {});
  await run.close();
  await cluster?.stop();
}, 120_000);

describe('rotating the monitor password: HAProxy’s health agent', () => {
  it('restarts the agent onto the new password with no server of HAProxy going down', async () => {
    const old = secrets()['mysql-monitor'];
    const pidBefore = agentPid(haproxyDir());
    const adminSocket = loadState().haproxy!.adminSocket;
    // No server of HAProxy goes down through the rotation: its own UP → DOWN counters (show stat's
    // chkdown) stay as they were, which a transient down between two samples could not hide.
    const downs = async () =>
      (await showServers(adminSocket)).map(
        (s) => `${s.backend}/${s.server} ${s.up ? 'up' : 'down'} ${s.wentDown}`,
      );
    const { master: m, slaves } = cluster.inventory().mysql;
    const settled = [`writer/${m.name}`, ...slaves.map((n) => `reader/${n.name}`)];
    const before = await waitFor(
      async () => {
        const now = await downs();
        return settled.every((name) => now.some((l) => l.startsWith(`${name} up `))) ? now : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 100, what: `HAProxy's ${settled.join(', ')} up before the rotation` },
    );
    const result = await rotateWithoutFailure('monitor');
    expect(await downs()).toEqual(before);

    const fresh = secrets()['mysql-monitor'];
    expect(fresh).not.toBe(old);
    expect(result.stdout).not.toContain(fresh);
    expect(await logins('monitor', old)).toEqual([false, false, false]);
    expect(await logins('monitor', fresh)).toEqual([true, true, true]);
    // Made to log in again, the agent answers `up` for the master: it holds the new password.
    expect(await killSessions('monitor')).toBeGreaterThan(0);
    const killedAt = Date.now();
    const master = cluster.inventory().mysql.master.name;
    const status = await waitFor(
      async (why) => {
        const now = await agentStatus(agentListen);
        const nodesNow = Object.entries(now.nodes);
        why(JSON.stringify(nodesNow.map(([n, h]) => [n, h.polledAt > killedAt, h.error ?? 'ok'])));
        return nodesNow.every(([, h]) => h.polledAt > killedAt && !h.error) ? now : undefined;
      },
      {
        timeoutMs: 15_000,
        intervalMs: 100,
        what: 'the agent to poll every node again after its sessions ended',
      },
    );
    expect(status.nodes[master]!.judged.writer).toBe('up');
    expect(readFileSync(haproxyDir().agentLog, 'utf8')).not.toMatch(/Access denied/i);
    const pidAfter = agentPid(haproxyDir());
    expect(pidAfter).toBeDefined();
    expect(pidAfter).not.toBe(pidBefore);
    expect(isAlive(pidBefore)).toBe(false);

    await rerunChangesNothing('monitor');
    expect(agentPid(haproxyDir())).toBe(pidAfter);
  }, 120_000);
});

describe('rotating the exporter password: the mysqld-exporters', () => {
  const exporterPids = () =>
    loadState().mysql.nodes.map((node) => loadState().monitoring?.[`mysqld-exporter ${node.name}`]?.pid);
  /** Each node's exporter scraped now: mysql_up says whether it could log in to its node. */
  const mysqlUp = () =>
    Promise.all(
      loadState().mysql.nodes.map(async (_node, index) => {
        const response = await fetch(`http://127.0.0.1:${localMetricsPorts().mysqlExporter(index)}/metrics`);
        const text = await response.text();
        return /^mysql_up (\S+)$/m.exec(text)?.[1];
      }),
    );

  it('restarts every exporter onto the new password: mysql_up is 1 for every node', async () => {
    const old = secrets()['mysql-exporter'];
    const pidsBefore = exporterPids();
    expect(await mysqlUp()).toEqual(['1', '1', '1']);
    const result = await rotateWithoutFailure('exporter');

    const fresh = secrets()['mysql-exporter'];
    expect(fresh).not.toBe(old);
    expect(result.stdout).not.toContain(fresh);
    expect(await logins('exporter', old)).toEqual([false, false, false]);
    expect(await logins('exporter', fresh)).toEqual([true, true, true]);
    const pidsAfter = exporterPids();
    expect(pidsAfter.every((pid, i) => pid !== undefined && pid !== pidsBefore[i])).toBe(true);

    // The exporter logs in on every scrape: these scrapes come after the old password was refused.
    await killSessions('exporter');
    expect(await mysqlUp()).toEqual(['1', '1', '1']);

    await rerunChangesNothing('exporter');
    expect(exporterPids()).toEqual(pidsAfter);
  }, 120_000);
});

describe('rotating the replicator password: the MySQL → Tarantool replicator', () => {
  const replicatorPid = () => loadState().services.replicator?.pid;
  const replicatorLog = () => readFileSync(join(serviceDir('replicator'), 'replicator.log'), 'utf8');

  it('restarts the replicator onto the new password: a row written afterwards reaches Tarantool', async () => {
    const old = secrets()['mysql-replicator'];
    const pidBefore = replicatorPid();
    const result = await rotateWithoutFailure('replicator');

    const fresh = secrets()['mysql-replicator'];
    expect(fresh).not.toBe(old);
    expect(result.stdout).not.toContain(fresh);
    expect(await logins('replicator', old)).toEqual([false, false, false]);
    expect(await logins('replicator', fresh)).toEqual([true, true, true]);
    const pidAfter = replicatorPid();
    expect(pidAfter).toBeDefined();
    expect(pidAfter).not.toBe(pidBefore);

    // Made to log in again, now that only the new password is accepted, it streams again and applies a new row.
    const logFrom = replicatorLog().length;
    expect(await killSessions('replicator')).toBeGreaterThan(0);
    const inventory = cluster.inventory();
    const master = await cluster.session(inventory.mysql.master.name);
    await insertUsers(master, 'app', 500_001, 1);
    const tarantool = await connectAdmin(inventory);
    try {
      await waitFor(
        async (why) => {
          const [found] = await tarantool.eval('return box.space.user:get(...) ~= nil', [500_001]);
          why(`its log says: ${replicatorLog().slice(logFrom).trim().split('\n').pop() ?? 'nothing'}`);
          return found === true ? true : undefined;
        },
        { timeoutMs: 20_000, intervalMs: 100, what: 'the row written after the rotation to reach Tarantool' },
      );
    } finally {
      tarantool.close();
    }
    const since = replicatorLog().slice(logFrom);
    expect(since).toMatch(/streaming the binlog/);
    expect(since).not.toMatch(/Access denied/i);

    await rerunChangesNothing('replicator');
    expect(replicatorPid()).toBe(pidAfter);
  }, 120_000);
});
