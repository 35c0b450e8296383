import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../lib/poll.ts';
import type { Inventory } from '../inventory/schema.ts';
import { resolveSecret } from '../inventory/secrets.ts';
import { quietRun, startTestCluster, type TestCluster } from '../local/testing.ts';
import { MysqlSession } from '../mysql/session.ts';
import { convergeHaproxy } from './converge.ts';
import { agentPid, agentStatus, haproxyPid, reloadHaproxy, startAgent, stopAgent } from './processes.ts';
import { showInfo, showServers } from './runtime-api.ts';
import { landing, startTestHaproxy, type TestHaproxy } from './testing.ts';

let cluster: TestCluster;
let proxy: TestHaproxy;
let inventory: Inventory;
const sessions = new Map<string, MysqlSession>();

beforeAll(async () => {
  cluster = await startTestCluster({ slaves: 2, mode: 'replicating' });
  proxy = await startTestHaproxy(cluster.inventory(), { maxLagSeconds: 2 });
  inventory = proxy.inventory;
  for (const node of [inventory.mysql.master, ...inventory.mysql.slaves])
    sessions.set(node.name, await MysqlSession.open(node, inventory.mysql.admin));
  await admin('db1').exec(
    'CREATE TABLE IF NOT EXISTS app.tick (id INT AUTO_INCREMENT PRIMARY KEY, at DATETIME(3))',
  );
});

afterAll(async () => {
  for (const s of sessions.values()) s.destroy();
  await proxy?.stop();
  await cluster?.stop();
});

const admin = (name: string) => sessions.get(name)!;
const writerPort = () => inventory.haproxy!.writerPort;
const readerPort = () => inventory.haproxy!.readerPort;

async function serverUp(backend: string, server: string): Promise<boolean> {
  return (await showServers(proxy.files.adminSocket)).some(
    (s) => s.backend === backend && s.server === server && s.up,
  );
}

async function untilServer(
  backend: string,
  server: string,
  up: boolean,
  timeoutMs = 10_000,
): Promise<number> {
  const started = Date.now();
  await waitFor(async () => ((await serverUp(backend, server)) === up ? true : undefined), {
    timeoutMs,
    intervalMs: 10,
    what: `${backend}/${server} ${up ? 'up' : 'down'}`,
  });
  return Date.now() - started;
}

async function readerLandings(count: number): Promise<Set<number>> {
  const ids = new Set<number>();
  for (let i = 0; i < count; i++) ids.add((await landing(inventory, readerPort())).serverId);
  return ids;
}

describe('HAProxy in front of MySQL', () => {
  it('sends writes to the writable master and balances reads over both slaves', async () => {
    for (let i = 0; i < 10; i++)
      expect(await landing(inventory, writerPort())).toEqual({ serverId: 1, readOnly: false });
    expect(await readerLandings(20)).toEqual(new Set([2, 3]));
  });

  it('marks the master down within a second of it turning read-only, and back when writable', async () => {
    const latencies: number[] = [];
    for (let trial = 0; trial < 5; trial++) {
      await admin('db1').exec('SET GLOBAL read_only = ON');
      latencies.push(await untilServer('writer', 'db1', false, 5000));
      await expect(landing(inventory, writerPort())).rejects.toThrow();
      await admin('db1').exec('SET GLOBAL read_only = OFF');
      await untilServer('writer', 'db1', true, 5000);
    }
    latencies.sort((a, b) => a - b);
    console.log(`read_only → writer marked down: ${latencies.join(', ')} ms (median ${latencies[2]} ms)`);
    expect(latencies[4]).toBeLessThan(1500);
    expect(await landing(inventory, writerPort())).toEqual({ serverId: 1, readOnly: false });
  });

  it('drops a slave whose SQL thread is stopped from the reader, and takes it back', async () => {
    await admin('db2').exec('STOP SLAVE SQL_THREAD');
    try {
      await untilServer('reader', 'db2', false);
      expect(await readerLandings(10)).toEqual(new Set([3]));
      const why = (await showServers(proxy.files.adminSocket)).find(
        (s) => s.server === 'db2' && s.backend === 'reader',
      );
      expect(why?.detail).toBe('down (sql thread stopped)');
    } finally {
      await admin('db2').exec('START SLAVE SQL_THREAD');
    }
    await untilServer('reader', 'db2', true);
    expect(await readerLandings(20)).toEqual(new Set([2, 3]));
  });

  it('drops a slave that lags more than maxLagSeconds (a delayed slave under writes)', async () => {
    const db3 = admin('db3');
    await db3.exec('STOP SLAVE');
    await db3.exec('CHANGE MASTER TO MASTER_DELAY = 30');
    await db3.exec('START SLAVE');
    try {
      const writes = setInterval(() => {
        admin('db1')
          .exec('INSERT INTO app.tick (at) VALUES (NOW(3))')
          .catch(() => {});
      }, 200);
      try {
        // Down for the lag itself, not for a state left by an earlier test (the agent reports the reason).
        await waitFor(
          async () => {
            const row = (await showServers(proxy.files.adminSocket)).find(
              (s) => s.server === 'db3' && s.backend === 'reader',
            );
            return row && /^down \(lag \d+ s > 2 s\)$/.test(row.detail ?? '') ? row : undefined;
          },
          { timeoutMs: 30_000, intervalMs: 50, what: 'reader/db3 down for its lag' },
        );
      } finally {
        clearInterval(writes);
      }
      expect(await readerLandings(10)).toEqual(new Set([2]));
    } finally {
      await db3.exec('STOP SLAVE');
      await db3.exec('CHANGE MASTER TO MASTER_DELAY = 0');
      await db3.exec('START SLAVE');
    }
    await untilServer('reader', 'db3', true, 15_000);
  });

  it('falls back to the master when no slave qualifies, and back to the slaves after', async () => {
    await admin('db2').exec('STOP SLAVE SQL_THREAD');
    await admin('db3').exec('STOP SLAVE');
    try {
      await untilServer('reader', 'db2', false);
      await untilServer('reader', 'db3', false);
      expect(await readerLandings(10)).toEqual(new Set([1]));
    } finally {
      await admin('db2').exec('START SLAVE SQL_THREAD');
      await admin('db3').exec('START SLAVE');
    }
    await untilServer('reader', 'db2', true);
    await untilServer('reader', 'db3', true);
    expect(await readerLandings(20)).toEqual(new Set([2, 3]));
  });

  it('keeps the last known states when the agent dies (fail static), visible as its check failing', async () => {
    const pid = agentPid(proxy.files);
    expect(pid).toBeDefined();
    const wentDown = async () =>
      (await showServers(proxy.files.adminSocket)).map((s) => `${s.backend}/${s.server} ${s.wentDown}`);
    const downsBefore = await wentDown();
    await stopAgent(proxy.files);
    try {
      await waitFor(
        async () => {
          const db1 = (await showServers(proxy.files.adminSocket)).find(
            (s) => s.backend === 'writer' && s.server === 'db1',
          );
          return db1?.agentStatus === 'L4CON' ? true : undefined;
        },
        { timeoutMs: 5000, intervalMs: 50, what: 'HAProxy to notice the agent is gone' },
      );
      // Nothing is marked down by the agent's absence: writes and reads still flow.
      expect(await landing(inventory, writerPort())).toEqual({ serverId: 1, readOnly: false });
      expect(await readerLandings(10)).toEqual(new Set([2, 3]));
    } finally {
      await startAgent(proxy.files, proxy.agentListen, resolveSecret(inventory.mysql.monitor!.password));
    }
    // The restarted agent listens only once it has polled every node: HAProxy's first agent-checks
    // after the restart get the truth, never "not polled yet", so no server went down across it.
    const status = await agentStatus(proxy.agentListen);
    await waitFor(
      async () =>
        (await showServers(proxy.files.adminSocket)).every((s) => s.agentStatus !== 'L4CON')
          ? true
          : undefined,
      { timeoutMs: 10_000, intervalMs: 50, what: "HAProxy's agent-checks to reach the restarted agent" },
    );
    expect(await wentDown()).toEqual(downsBefore);
    expect(status.nodes.db1?.judged.writer).toBe('up');
    expect(status.nodes.db2?.judged).toMatchObject({ writer: 'down #read_only', reader: 'up' });
  });

  it('converges: again changes nothing; a new lag limit restarts the agent, a new layout reloads HAProxy', async () => {
    const converge = async (inv: Inventory, layout = proxy.site.layout) => {
      const run = quietRun('converge');
      await convergeHaproxy(run, inv, { ...proxy.site, layout });
      await run.close();
      return run
        .report()
        .steps.filter((s) => s.status === 'changed')
        .map((s) => s.name);
    };
    expect(await converge(inventory)).toEqual([]);
    const agentBefore = agentPid(proxy.files);
    const workerBefore = (await showInfo(proxy.files.adminSocket)).Pid;
    expect(await converge({ ...inventory, mysql: { ...inventory.mysql, maxLagSeconds: 3 } })).toEqual([
      'health agent',
    ]);
    expect(agentPid(proxy.files)).not.toBe(agentBefore);
    expect(await converge(inventory, { ...proxy.site.layout, agentInterMs: 200 })).toEqual([
      'health agent',
      'haproxy',
    ]);
    expect((await showInfo(proxy.files.adminSocket)).Pid).not.toBe(workerBefore);
    expect(await converge(inventory)).toEqual(['haproxy']);
    expect(await landing(inventory, writerPort())).toEqual({ serverId: 1, readOnly: false });
  });

  it('reloads without refusing a connection', async () => {
    let ok = 0;
    const failures: string[] = [];
    let stop = false;
    const hammer = (async () => {
      while (!stop) {
        try {
          expect(await landing(inventory, writerPort())).toEqual({ serverId: 1, readOnly: false });
          ok++;
        } catch (error) {
          failures.push((error as Error).message);
        }
      }
    })();
    for (let i = 0; i < 3; i++) {
      await reloadHaproxy(proxy.files);
      await untilServer('writer', 'db1', true);
    }
    stop = true;
    await hammer;
    expect(failures).toEqual([]);
    expect(ok).toBeGreaterThan(10);
  });

  it('exposes its runtime API only as an owner-only Unix socket, and listens on 127.0.0.1 only', async () => {
    expect(statSync(proxy.files.adminSocket).isSocket()).toBe(true);
    expect(statSync(proxy.files.adminSocket).mode & 0o777).toBe(0o600);
    const worker = Number((await showInfo(proxy.files.adminSocket)).Pid);
    const listening = [...tcpListeners(worker), ...tcpListeners(haproxyPid(proxy.files)!)];
    expect(new Set(listening)).toEqual(new Set([`127.0.0.1:${writerPort()}`, `127.0.0.1:${readerPort()}`]));
    expect(tcpListeners(agentPid(proxy.files)!)).toEqual([`127.0.0.1:${proxy.agentListen.port}`]);
  });
});

/** The TCP sockets a process listens on, from its file descriptors and /proc/net/tcp{,6}. */
function tcpListeners(pid: number): string[] {
  const inodes = new Set(
    readdirSync(`/proc/${pid}/fd`)
      .map((fd) => {
        try {
          return /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
        } catch {
          return undefined;
        }
      })
      .filter((i): i is string => i !== undefined),
  );
  const out: string[] = [];
  for (const table of ['tcp', 'tcp6']) {
    for (const line of readFileSync(`/proc/${pid}/net/${table}`, 'utf8').trim().split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[3] !== '0A' || !inodes.has(f[9]!)) continue;
      const [hex, portHex] = f[1]!.split(':');
      out.push(`${table === 'tcp' ? ipv4(hex!) : `[${hex}]`}:${Number.parseInt(portHex!, 16)}`);
    }
  }
  return out;
}

function ipv4(hex: string): string {
  return [3, 2, 1, 0].map((i) => Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16)).join('.');
}
