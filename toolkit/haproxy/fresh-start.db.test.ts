import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { portOpen } from '../../lib/net.ts';
import { waitFor } from '../../lib/poll.ts';
import type { Inventory } from '../inventory/schema.ts';
import { resolveSecret } from '../inventory/secrets.ts';
import { quietRun, startTestCluster, type TestCluster } from '../local/testing.ts';
import { MysqlSession } from '../mysql/session.ts';
import { openServers } from './agent/open-servers.ts';
import { inventoryOpenServers, renderHaproxyConfig } from './config.ts';
import { convergeHaproxy } from './converge.ts';
import { startAgent, startHaproxy, stopAgent, stopHaproxy } from './processes.ts';
import { toolkitRuntimeApi } from './runtime-api.ts';
import { landing, prepareTestHaproxy, type TestHaproxy, writeComposeLikeConfigs } from './testing.ts';

// HAProxy 2.6 counts an enabled server UP from its start until a check says otherwise (`init-state`
// is 3.1+). These tests start a real haproxy 2.6 fresh with the inventory's master read-only (db1,
// first in every backend) and connect through the writer endpoint over and over.

let cluster: TestCluster;
let proxy: TestHaproxy;
let inventory: Inventory;
let db1: MysqlSession;

beforeAll(async () => {
  cluster = await startTestCluster({ slaves: 2, mode: 'replicating' });
  proxy = await prepareTestHaproxy(cluster.inventory());
  inventory = proxy.inventory;
  db1 = await MysqlSession.open(inventory.mysql.master, inventory.mysql.admin);
}, 120_000);

afterAll(async () => {
  db1?.destroy();
  await proxy?.stop();
  await cluster?.stop();
});

afterEach(async () => {
  await stopHaproxy(proxy.files);
  await stopAgent(proxy.files);
  await db1.exec('SET GLOBAL read_only = OFF');
});

interface Landings {
  attempts: number;
  /** Connections that reached MySQL, by server_id and whether it was read-only. */
  landed: Array<{ serverId: number; readOnly: boolean; atMs: number }>;
}

/** Connects through the writer endpoint again and again until stopped; refusals are expected. */
function pollWriter(): { stop: () => Promise<Landings> } {
  const result: Landings = { attempts: 0, landed: [] };
  const started = Date.now();
  let running = true;
  const loop = (async () => {
    while (running) {
      result.attempts++;
      try {
        const hit = await landing(inventory, inventory.haproxy!.writerPort);
        result.landed.push({ ...hit, atMs: Date.now() - started });
      } catch {
        // Refused, or closed by HAProxy with no server up: the connection reached no node.
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return result;
    },
  };
}

async function pollFor(ms: number, during?: Promise<unknown>): Promise<Landings> {
  const poller = pollWriter();
  await Promise.all([new Promise((resolve) => setTimeout(resolve, ms)), during]);
  return poller.stop();
}

function writeConfig(startClosed: boolean): void {
  writeFileSync(
    proxy.files.config,
    renderHaproxyConfig(inventory, { ...proxy.site.layout, stateFile: proxy.files.stateFile, startClosed }),
  );
}

describe('a fresh HAProxy never routes writes to a node no check has vouched for', () => {
  it('without the gate (the config enabling the master), HAProxy 2.6 does: the hazard is real', async () => {
    await db1.exec('SET GLOBAL read_only = ON');
    writeConfig(false);
    // No agent: nothing ever tells HAProxy db1 is read-only, and the TCP check passes.
    const poll = pollWriter();
    await startHaproxy(proxy.files);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const { landed } = await poll.stop();
    console.log(`ungated: ${landed.length} connection(s) on read-only db1 in the first second`);
    expect(landed.length).toBeGreaterThan(0);
    expect(landed.every((l) => l.serverId === 1 && l.readOnly)).toBe(true);
  });

  it('with every server started in maint and opened agent-down, none lands before the agent answers', async () => {
    await db1.exec('SET GLOBAL read_only = ON');
    writeConfig(true);
    const poll = pollWriter();
    await startHaproxy(proxy.files);
    expect(
      (await openServers(toolkitRuntimeApi, proxy.files.adminSocket, inventoryOpenServers(inventory))).length,
    ).toBe(5);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const { attempts, landed } = await poll.stop();
    expect(attempts).toBeGreaterThan(10);
    expect(landed).toEqual([]);
  });

  it('converge (agent first, then HAProxy): 3 s of connects land nowhere while db1 is read-only, then on db1 once writable', async () => {
    await db1.exec('SET GLOBAL read_only = ON');
    const run = quietRun('fresh-start');
    // converge ends by waiting (15 s) for the writer to serve db1: it does once db1 turns writable.
    const converged = convergeHaproxy(run, inventory, proxy.site);
    const poll = pollWriter();
    const startedAt = Date.now();
    await waitFor(
      async () => ((await portOpen('127.0.0.1', inventory.haproxy!.writerPort)) ? true : undefined),
      {
        timeoutMs: 30_000,
        intervalMs: 10,
        what: 'the writer endpoint to listen',
      },
    );
    const listeningAfterMs = Date.now() - startedAt;
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const whileReadOnly = await poll.stop();
    await db1.exec('SET GLOBAL read_only = OFF');
    const afterwards = await pollFor(1000, converged);
    await run.close();
    console.log(
      `listening after ${listeningAfterMs} ms; then 3 s read-only: ${whileReadOnly.attempts} attempts, ${whileReadOnly.landed.length} landed; writable: ${afterwards.landed.length} landed`,
    );
    expect(whileReadOnly.attempts).toBeGreaterThan(10);
    expect(whileReadOnly.landed).toEqual([]);
    expect(afterwards.landed.length).toBeGreaterThan(0);
    expect(afterwards.landed.every((l) => l.serverId === 1 && !l.readOnly)).toBe(true);
    expect(run.report().steps.find((s) => s.name === 'servers open')?.status).toBe('changed');
  });

  it("compose's way: HAProxy with compose's layout starts closed and the agent alone opens it, again after a restart", async () => {
    await db1.exec('SET GLOBAL read_only = ON');
    writeComposeLikeConfigs(proxy);
    // HAProxy first, the agent after: nothing but the agent ever touches the runtime API here.
    const poll = pollWriter();
    await startHaproxy(proxy.files);
    await startAgent(proxy.files, proxy.agentListen, resolveSecret(inventory.mysql.monitor!.password));
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const whileReadOnly = await poll.stop();
    await db1.exec('SET GLOBAL read_only = OFF');
    const firstLanding = await timeToLanding();
    await stopHaproxy(proxy.files);
    await startHaproxy(proxy.files);
    const afterRestart = await timeToLanding();
    // The agent logs an opening after the runtime API calls that make it: a connection can land first.
    const openings = () =>
      readFileSync(proxy.files.agentLog, 'utf8').match(/opened writer\/db1, reader\/db1-fallback/g)?.length ??
      0;
    await waitFor(async () => (openings() >= 2 ? true : undefined), {
      timeoutMs: 5000,
      what: "the agent's log of its second opening",
    }).catch(() => undefined);
    console.log(
      `compose-like: 3 s read-only: ${whileReadOnly.attempts} attempts, ${whileReadOnly.landed.length} landed; writable: landed after ${firstLanding} ms; restarted: after ${afterRestart} ms`,
    );
    expect(whileReadOnly.attempts).toBeGreaterThan(10);
    expect(whileReadOnly.landed).toEqual([]);
    expect(openings()).toBe(2);
  });
});

/** Milliseconds until a connection through the writer endpoint lands on db1, writable (10 s at most). */
async function timeToLanding(): Promise<number> {
  const started = Date.now();
  await waitFor(
    async () => {
      const hit = await landing(inventory, inventory.haproxy!.writerPort).catch(() => undefined);
      return hit?.serverId === 1 && !hit.readOnly ? true : undefined;
    },
    { timeoutMs: 10_000, intervalMs: 20, what: 'a write connection on db1 through HAProxy' },
  );
  return Date.now() - started;
}
