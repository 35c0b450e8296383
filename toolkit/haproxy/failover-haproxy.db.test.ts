import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../lib/poll.ts';
import type { Inventory } from '../inventory/schema.ts';
import { LocalInventorySource, localInventory } from '../local/inventory.ts';
import { loadState } from '../local/state.ts';
import { quietRun, startTestCluster, type TestCluster } from '../local/testing.ts';
import { failoverProcedure } from '../mysql/failover.ts';
import { isolateWriter, switchWriter } from './switch-writer.ts';
import { landing, startTestHaproxy, type TestHaproxy } from './testing.ts';

let cluster: TestCluster;
let proxy: TestHaproxy;

beforeAll(async () => {
  // Three slaves: after the switchover and the kill, the promoted node still has a slave to ack semi-sync.
  cluster = await startTestCluster({ slaves: 3, mode: 'replicating' });
  proxy = await startTestHaproxy(cluster.inventory());
});

afterAll(async () => {
  await Promise.all(loads.map((l) => l.stop()));
  await proxy?.stop();
  await cluster?.stop();
});

/** The current local topology, with the test's HAProxy and monitor account. */
function current(): Inventory {
  const { haproxy, mysql } = proxy.inventory;
  const inventory = localInventory(loadState());
  return { ...inventory, haproxy, mysql: { ...inventory.mysql, monitor: mysql.monitor } };
}

interface Landing {
  at: number;
  serverId: number;
  readOnly: boolean;
}

interface Load {
  landings: Landing[];
  refused(): number;
  until(count: number): Promise<true>;
  stop(): Promise<void>;
}
const loads: Load[] = [];

/** Clients that connect to the writer endpoint over and over, recording where every connection landed. */
function hammer(clients: number): Load {
  const landings: Landing[] = [];
  let refused = 0;
  let stop = false;
  const loops = Array.from({ length: clients }, async () => {
    while (!stop) {
      try {
        landings.push({
          at: Date.now(),
          ...(await landing(proxy.inventory, proxy.inventory.haproxy!.writerPort)),
        });
      } catch {
        refused++;
      }
    }
  });
  const load: Load = {
    landings,
    refused: () => refused,
    until: (count: number) =>
      waitFor(async () => (landings.length >= count ? true : undefined), {
        timeoutMs: 120_000,
        intervalMs: 50,
        what: `${count} connections through the writer`,
      }),
    stop: async () => {
      stop = true;
      await Promise.all(loops);
    },
  };
  loads.push(load);
  return load;
}

/** Every connection landed on a writable node, and never on the old one once the new one served. */
function expectOneWritableNodeAtATime(landings: Landing[], from: number, to: number): void {
  expect(landings.filter((l) => l.readOnly)).toEqual([]);
  expect(new Set(landings.map((l) => l.serverId))).toEqual(new Set([from, to]));
  const firstNew = landings.findIndex((l) => l.serverId === to);
  expect(landings.slice(firstNew).filter((l) => l.serverId === from)).toEqual([]);
}

function gapMs(landings: Landing[], from: number, to: number): number {
  const lastOld = Math.max(...landings.filter((l) => l.serverId === from).map((l) => l.at));
  const firstNew = Math.min(...landings.filter((l) => l.serverId === to).map((l) => l.at));
  return firstNew - lastOld;
}

describe('the writer endpoint through failover.ts', () => {
  it('lands only on the writable node during a switchover', async () => {
    const load = hammer(4);
    await load.until(400);
    const run = quietRun('failover');
    await failoverProcedure(run, current(), new LocalInventorySource(), {
      switchover: true,
      candidate: 'db2',
      catchUpTimeoutMs: 30_000,
    });
    await run.close();
    const isolated = run.report().steps.find((s) => s.name === 'haproxy writer isolated');
    expect(isolated?.detail).toMatch(/writer\/db1/);
    const enabled = run.report().steps.find((s) => s.name === 'haproxy writer enabled')?.detail;
    console.log(`switchover: haproxy writer enabled: ${enabled}`);
    expect(enabled).toMatch(/^ready; writer\/db2 UP after \d+ ms \(agent polled it at once\)$/);
    await load.until(load.landings.length + 400);
    await load.stop();
    expectOneWritableNodeAtATime(load.landings, 1, 2);
    console.log(
      `switchover: ${load.landings.length} connections, ${load.refused()} refused, writes unavailable ${gapMs(load.landings, 1, 2)} ms`,
    );
  }, 180_000);

  it('lands only on the writable node when the master is killed and a slave promoted', async () => {
    const load = hammer(4);
    await load.until(400);
    const pid = loadState().mysql.nodes.find((n) => n.name === 'db2')!.pid!;
    process.kill(pid, 'SIGKILL');
    const run = quietRun('failover');
    await failoverProcedure(run, current(), new LocalInventorySource(), {
      switchover: false,
      catchUpTimeoutMs: 30_000,
    });
    await run.close();
    const promoted = loadState().mysql.nodes.find((n) => n.name === loadState().mysql.master)!;
    expect(['db3', 'db4']).toContain(promoted.name);
    await load.until(load.landings.length + 400);
    await load.stop();
    expectOneWritableNodeAtATime(load.landings, 2, promoted.serverId);
    console.log(
      `failover after SIGKILL: ${load.landings.length} connections, ${load.refused()} refused, writes unavailable ${gapMs(load.landings, 2, promoted.serverId)} ms`,
    );
  }, 180_000);

  it('isolates every writer and switches back with switchWriter alone', async () => {
    const master = loadState().mysql.nodes.find((n) => n.name === loadState().mysql.master)!;
    expect(await isolateWriter(current())).toContain(`writer/${master.name}`);
    await expect(landing(proxy.inventory, proxy.inventory.haproxy!.writerPort)).rejects.toThrow();
    expect(await switchWriter(current(), master.name)).toContain(`writer/${master.name} UP after`);
    expect(await landing(proxy.inventory, proxy.inventory.haproxy!.writerPort)).toEqual({
      serverId: master.serverId,
      readOnly: false,
    });
  });

  it('leaves an inventory without HAProxy alone, and says so when HAProxy is not running', async () => {
    const { haproxy: _, ...without } = current();
    expect(await isolateWriter(without)).toBeUndefined();
    const elsewhere = {
      ...current(),
      haproxy: { ...current().haproxy!, adminSocket: '/nonexistent/admin.sock' },
    };
    expect(await isolateWriter(elsewhere)).toMatch(/^not running/);
  });
});
