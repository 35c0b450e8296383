import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePorts } from '../../lib/net.ts';
import { waitFor } from '../../lib/poll.ts';
import { agentPid, haproxyFiles, haproxyPid } from '../haproxy/processes.ts';
import { showServers } from '../haproxy/runtime-api.ts';
import { landing } from '../haproxy/testing.ts';
import { isAlive } from '../host/process.ts';
import { haproxyComponent } from './haproxy-component.ts';
import { localInventory } from './inventory.ts';
import { serviceDir } from './service.ts';
import { loadState } from './state.ts';
import { localStatus } from './status.ts';
import { quietRun, runRunbook, startTestCluster, type TestCluster } from './testing.ts';

let cluster: TestCluster;
let ports: { writer: number; reader: number; agent: number };

async function up() {
  const run = quietRun('up');
  try {
    await haproxyComponent.up(run);
  } finally {
    await run.close();
  }
  return run.report();
}

const serverId = (name: string) => loadState().mysql.nodes.find((n) => n.name === name)!.serverId;

beforeAll(async () => {
  cluster = await startTestCluster();
  const base = await freePorts(3);
  ports = { writer: base, reader: base + 1, agent: base + 2 };
  Object.assign(process.env, {
    LOCAL_HAPROXY_WRITER_PORT: String(ports.writer),
    LOCAL_HAPROXY_READER_PORT: String(ports.reader),
    LOCAL_HAPROXY_AGENT_PORT: String(ports.agent),
  });
  Object.assign(cluster.env, {
    LOCAL_HAPROXY_WRITER_PORT: String(ports.writer),
    LOCAL_HAPROXY_READER_PORT: String(ports.reader),
    LOCAL_HAPROXY_AGENT_PORT: String(ports.agent),
  });
}, 180_000);

afterAll(async () => {
  await haproxyComponent.down(quietRun('down'), { wipe: true }).catch(() => {});
  await cluster?.stop();
});

describe('the local HAProxy component', () => {
  it('starts HAProxy and its agent: writes land on the master, reads on a slave', async () => {
    const report = await up();
    expect(report.changed).toBeGreaterThanOrEqual(2);
    const inventory = localInventory(loadState());
    expect(inventory.haproxy).toEqual({
      host: '127.0.0.1',
      writerPort: ports.writer,
      readerPort: ports.reader,
      adminSocket: `${serviceDir('haproxy')}/admin.sock`,
    });
    expect(await landing(inventory, ports.writer)).toEqual({ serverId: serverId('db1'), readOnly: false });
    // The reader takes a slave once the agent saw it replicating: until then it falls back to the master.
    const slaveIds = inventory.mysql.slaves.map((n) => serverId(n.name));
    const read = await waitFor(
      async () => {
        const landed = await landing(inventory, ports.reader);
        return slaveIds.includes(landed.serverId) ? landed : undefined;
      },
      { timeoutMs: 15_000, what: 'a read through the reader endpoint to land on a slave' },
    );
    expect(read.readOnly).toBe(true);
  }, 60_000);

  it('changes nothing on a second up', async () => {
    const report = await up();
    expect(report.changed, JSON.stringify(report.steps)).toBe(0);
  }, 60_000);

  it('shows which node each endpoint serves and whether the agent answers', async () => {
    // A fresh HAProxy spreads its first checks over the 2 s check interval: servers start as "up".
    const rows = await waitFor(
      async () => {
        const now = await localStatus(['haproxy']);
        return now[1]?.detail === '→ db2, db3' ? now : undefined;
      },
      { timeoutMs: 10_000, what: 'the reader endpoint to serve db2 and db3 only' },
    );
    expect(rows.map((r) => [r.name, r.address, r.health])).toEqual([
      ['writer', `127.0.0.1:${ports.writer}`, 'up'],
      ['reader', `127.0.0.1:${ports.reader}`, 'up'],
      ['agent', `127.0.0.1:${ports.agent}`, 'up'],
    ]);
    expect(rows[0]!.detail).toBe('→ db1');
    expect(rows[2]!.detail).toMatch(/answering for db1, db2, db3/);
  }, 30_000);

  it('restarts a killed agent and a killed HAProxy on the next up', async () => {
    const files = haproxyFiles(serviceDir('haproxy'));
    const killed = [agentPid(files)!, haproxyPid(files)!];
    for (const pid of killed) process.kill(pid, 'SIGKILL');
    await waitFor(async () => (killed.some(isAlive) ? undefined : true), {
      timeoutMs: 10_000,
      what: 'the killed processes to exit',
    });
    const down = await localStatus(['haproxy']);
    expect(down.map((r) => r.health)).toEqual(['down', 'down', 'down']);
    const report = await up();
    // A fresh HAProxy starts with every server in maint: opening them is the third change.
    expect(report.steps.filter((s) => s.status === 'changed').map((s) => s.name)).toEqual([
      'health agent',
      'haproxy',
      'servers open',
    ]);
    expect(await landing(localInventory(loadState()), ports.writer)).toEqual({
      serverId: serverId('db1'),
      readOnly: false,
    });
  }, 60_000);

  it('follows failover.mjs: the runbook switches the writer over the admin socket', async () => {
    process.kill(loadState().mysql.nodes.find((n) => n.name === 'db1')!.pid!, 'SIGKILL');
    const result = await runRunbook('failover', ['--json'], cluster.env);
    expect(result.code, result.stderr).toBe(0);
    const steps = result.report!.steps.filter((s) => s.host === 'haproxy');
    expect(steps.map((s) => [s.name, s.status])).toEqual([
      ['haproxy writer isolated', 'changed'],
      ['haproxy writer enabled', 'changed'],
    ]);
    const state = loadState();
    const inventory = localInventory(state);
    expect(state.mysql.master).not.toBe('db1');
    expect(await landing(inventory, ports.writer)).toEqual({
      serverId: serverId(state.mysql.master),
      readOnly: false,
    });
    const writers = (await showServers(inventory.haproxy!.adminSocket!)).filter(
      (s) => s.backend === 'writer' && s.up,
    );
    expect(writers.map((s) => s.server)).toEqual([state.mysql.master]);
    const rows = await localStatus(['haproxy']);
    expect(rows[0]).toMatchObject({ health: 'up', detail: `→ ${state.mysql.master}` });
  }, 180_000);

  it('down stops both by pid and drops the haproxy section', async () => {
    const files = haproxyFiles(serviceDir('haproxy'));
    const pids = [agentPid(files)!, haproxyPid(files)!];
    const run = quietRun('down');
    await haproxyComponent.down(run, { wipe: false });
    await run.close();
    expect(run.report().changed).toBe(2);
    expect(pids.some(isAlive)).toBe(false);
    expect(localInventory(loadState()).haproxy).toBeUndefined();
    const rows = await localStatus(['haproxy']);
    expect(rows.map((r) => r.health)).toEqual(['down', 'down', 'down']);
    const again = quietRun('down');
    await haproxyComponent.down(again, { wipe: false });
    await again.close();
    expect(again.report().changed).toBe(0);
  }, 60_000);
});
