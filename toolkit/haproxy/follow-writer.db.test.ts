import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../lib/poll.ts';
import type { Inventory } from '../inventory/schema.ts';
import { resolveSecret } from '../inventory/secrets.ts';
import { LocalInventorySource, localInventory } from '../local/inventory.ts';
import { findServerBinaries, startNode, waitUntilServing } from '../local/mysql-node.ts';
import { loadState, updateState } from '../local/state.ts';
import { quietRun, startTestCluster, type TestCluster } from '../local/testing.ts';
import { failoverProcedure } from '../mysql/failover.ts';
import { readEpoch, recordEpoch } from '../mysql/topology-epoch.ts';
import { createReporter } from '../procedure/reporter.ts';
import { Run } from '../procedure/run.ts';
import { agentRequest } from './agent-client.ts';
import { startAgent, startHaproxy } from './processes.ts';
import { prepareTestHaproxy, type TestHaproxy, writeComposeLikeConfigs } from './testing.ts';

// Compose's and the stacks' way on the real haproxy 2.6 and MariaDB: HAProxy with compose's layout, the
// agent with compose's config (follow mode), and a failover that never touches HAProxy's runtime API (as
// in a stack). The agent alone moves the writer to the promoted node, by its topology epoch, and never
// opens the old master again when it comes back writable with its older epoch.

let cluster: TestCluster;
let proxy: TestHaproxy;
let inventory: Inventory;

beforeAll(async () => {
  cluster = await startTestCluster({ slaves: 2, mode: 'replicating' });
  proxy = await prepareTestHaproxy(cluster.inventory());
  inventory = proxy.inventory;
  writeComposeLikeConfigs(proxy);
  await startHaproxy(proxy.files);
  await startAgent(proxy.files, proxy.agentListen, resolveSecret(inventory.mysql.monitor!.password));
}, 180_000);

afterAll(async () => {
  await load?.stop();
  await proxy?.stop();
  await cluster?.stop();
});

interface Landing {
  at: number;
  serverId: number;
  readOnly: boolean;
}

/** One connection through the writer endpoint: where it landed and, when writable, one row written there. */
async function writeThroughWriter(): Promise<Landing> {
  const conn = await mysql.createConnection({
    host: '127.0.0.1',
    port: inventory.haproxy!.writerPort,
    user: inventory.mysql.admin.user,
    password: resolveSecret(inventory.mysql.admin.password),
    connectTimeout: 2000,
  });
  conn.on('error', () => {});
  try {
    const [rows] = await conn.query<mysql.RowDataPacket[]>(
      'SELECT @@GLOBAL.server_id AS id, @@GLOBAL.read_only AS ro',
    );
    const landing = { at: Date.now(), serverId: Number(rows[0]?.id), readOnly: String(rows[0]?.ro) !== '0' };
    if (!landing.readOnly) await conn.query('INSERT INTO toolkit.marker (token) VALUES (?)', [randomUUID()]);
    return landing;
  } finally {
    conn.destroy();
  }
}

interface Load {
  landings: Landing[];
  stop(): Promise<void>;
}
let load: Load | undefined;

/** Clients writing through the writer endpoint over and over; refusals (no server open) are expected. */
function hammer(clients: number): Load {
  const landings: Landing[] = [];
  let stopped = false;
  const loops = Array.from({ length: clients }, async () => {
    while (!stopped) {
      try {
        landings.push(await writeThroughWriter());
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
  });
  return {
    landings,
    stop: async () => {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

/** The current local topology with the test's monitor account and no HAProxy: no runtime-API step. */
function asInAStack(): Inventory {
  const { haproxy: _, ...local } = localInventory(loadState());
  return { ...local, mysql: { ...local.mysql, monitor: inventory.mysql.monitor } };
}

/** A run that remembers when each step ended. */
function timedRun(): { run: Run; endedAt: Map<string, number> } {
  const endedAt = new Map<string, number>();
  const json = createReporter('json');
  const run = new Run({
    runbook: 'failover',
    env: 'local',
    dryRun: false,
    reporter: {
      stepStarted: (name, host) => json.stepStarted(name, host),
      progress: (text) => json.progress(text),
      stepEnded: (r) => {
        endedAt.set(`${r.name}@${r.host}`, Date.now());
        json.stepEnded(r);
      },
      note: (text) => json.note(text),
      finished: (report, failure) => json.finished(report, failure),
    },
  });
  return { run, endedAt };
}

const agentLog = () => readFileSync(proxy.files.agentLog, 'utf8');

describe("compose's and the stacks' HAProxy follows a failover by itself (agent follow mode)", () => {
  it('opens the initial master once the agent has polled it', async () => {
    await waitFor(
      async () => {
        const hit = await writeThroughWriter().catch(() => undefined);
        return hit?.serverId === 1 && !hit.readOnly ? true : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 50, what: 'a write on db1 through the writer endpoint' },
    );
  });

  it('moves the writer to the promoted node, with no connection on the old master after the kill', async () => {
    load = hammer(4);
    await waitFor(async () => (load!.landings.length >= 100 ? true : undefined), {
      timeoutMs: 60_000,
      what: '100 writes through the writer',
    });
    process.kill(loadState().mysql.nodes.find((n) => n.name === 'db1')!.pid!, 'SIGKILL');
    const killedAt = Date.now();
    const { run, endedAt } = timedRun();
    await failoverProcedure(run, asInAStack(), new LocalInventorySource(), {
      switchover: false,
      catchUpTimeoutMs: 30_000,
    });
    await run.close();
    const steps = run.report().steps;
    expect(steps.some((s) => s.name.startsWith('haproxy'))).toBe(false);
    const promoted = loadState().mysql.nodes.find((n) => n.name === loadState().mysql.master)!;
    expect(['db2', 'db3']).toContain(promoted.name);
    const promotedAt = endedAt.get(`writable master@${promoted.name}`)!;
    expect(promotedAt).toBeGreaterThan(killedAt);
    expect(steps.find((s) => s.name === 'topology epoch')?.detail).toMatch(
      new RegExp(`^record epoch \\d+: ${promoted.name} \\(server_id ${promoted.serverId}\\) is the master`),
    );
    const firstNew = await waitFor(async () => load!.landings.find((l) => l.serverId === promoted.serverId), {
      timeoutMs: 10_000,
      intervalMs: 20,
      what: `a write on ${promoted.name} through the writer`,
    });
    const count = load.landings.length;
    await waitFor(async () => (load!.landings.length >= count + 200 ? true : undefined), {
      timeoutMs: 60_000,
      what: '200 more writes',
    });
    await load.stop();
    const afterKill = load.landings.filter((l) => l.at > killedAt + 100);
    console.log(
      `follow mode: promotion (${promoted.name} writable) → first write landed through HAProxy: ${firstNew.at - promotedAt} ms; kill → first write: ${firstNew.at - killedAt} ms; ${load.landings.length} connections`,
    );
    expect(load.landings.filter((l) => l.readOnly)).toEqual([]);
    expect(afterKill.filter((l) => l.serverId === 1)).toEqual([]);
    expect(afterKill.every((l) => l.serverId === promoted.serverId)).toBe(true);
    expect(agentLog()).toMatch(
      new RegExp(
        `writer: ${promoted.name} claims epoch \\d+ and is writable: from db1; isolated [^;]*writer/db1[^;]*; opened writer/${promoted.name}, reader/${promoted.name}-fallback`,
      ),
    );
  }, 180_000);

  it('recorded the epoch once: it replicated to the remaining slave, and a rerun does not bump it', async () => {
    const { master, slaves } = loadState().mysql;
    const promoted = await cluster.session(master);
    const slave = await cluster.session(slaves.find((n) => n !== master && n !== 'db1')!);
    const recorded = await readEpoch(promoted);
    await waitFor(async () => ((await readEpoch(slave))?.epoch === recorded?.epoch ? true : undefined), {
      timeoutMs: 10_000,
      intervalMs: 50,
      what: 'the epoch row on the slave',
    });
    const again = quietRun('record-epoch-again');
    await recordEpoch(again, promoted, [slave]);
    await again.close();
    expect(again.report().steps.find((s) => s.name === 'topology epoch')).toMatchObject({
      status: 'ok',
      detail: `epoch ${recorded!.epoch}: ${master} is the master`,
    });
    expect(await readEpoch(promoted)).toEqual(recorded);
  });

  it('never opens the old master when it restarts writable with its older epoch', async () => {
    const db1 = loadState().mysql.nodes.find((n) => n.name === 'db1')!;
    const pid = startNode(findServerBinaries(), db1);
    updateState((state) => {
      state.mysql.nodes.find((n) => n.name === 'db1')!.pid = pid;
    });
    await waitUntilServing(db1, pid);
    const old = await cluster.session('db1');
    const promoted = loadState().mysql.nodes.find((n) => n.name === loadState().mysql.master)!;
    const fresh = await cluster.session(promoted.name);
    // The failover fenced it in its option file; it comes back writable anyway (a wrong restart).
    await old.exec('SET GLOBAL read_only = OFF');
    const [oldEpoch, newEpoch] = [await readEpoch(old), await readEpoch(fresh)];
    expect(oldEpoch?.master).toBe('db1');
    expect(newEpoch?.master).toBe(promoted.name);
    expect(newEpoch!.epoch).toBeGreaterThan(oldEpoch!.epoch);
    // The agent sees db1 writable (so the test proves something), and still keeps it shut.
    await waitFor(
      async () => {
        const status = JSON.parse(await agentRequest(proxy.agentListen, 'status', 1500));
        return status.nodes.db1?.readOnly === false && status.nodes.db1.polledAt > 0 ? true : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 100, what: 'the agent to see db1 writable' },
    );
    load = hammer(4);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await load.stop();
    expect(load.landings.length).toBeGreaterThan(10);
    expect(load.landings.filter((l) => l.serverId !== promoted.serverId || l.readOnly)).toEqual([]);
    expect(agentLog()).toMatch(
      new RegExp(
        `writer: ${promoted.name} \\(epoch \\d+\\) is the open writer; db1 writable with a lower epoch: never opened`,
      ),
    );
  }, 120_000);
});
