import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { freePorts } from '../../lib/net.ts';
import { waitFor } from '../../lib/poll.ts';
import type { Inventory } from '../inventory/schema.ts';
import { resolveSecret } from '../inventory/secrets.ts';
import { quietRun } from '../local/testing.ts';
import { ensureMonitorUser } from '../mysql/monitor-user.ts';
import { MysqlSession } from '../mysql/session.ts';
import { inventoryNodes, renderAgentConfig } from './agent-config.ts';
import { composeAgentConfigOf, composeLayout } from './compose-config.ts';
import { renderHaproxyConfig } from './config.ts';
import { convergeHaproxy, type HaproxySite } from './converge.ts';
import { type HaproxyFiles, haproxyFiles, stopAgent, stopHaproxy } from './processes.ts';
import { showServers } from './runtime-api.ts';

export interface TestHaproxy {
  /** The cluster's inventory with `haproxy` and `mysql.monitor` filled in. */
  inventory: Inventory;
  files: HaproxyFiles;
  agentListen: { host: string; port: number };
  site: HaproxySite;
  stop(): Promise<void>;
}

/**
 * A test HAProxy's inventory and files on free ports, in front of a test cluster, the monitor
 * account made on every node; nothing started yet. stop() stops whatever ran and removes the files.
 */
export async function prepareTestHaproxy(
  base: Inventory,
  options: { maxLagSeconds?: number } = {},
): Promise<TestHaproxy> {
  const dir = mkdtempSync(join(tmpdir(), 'haproxy-test-'));
  const files = haproxyFiles(dir);
  const port = await freePorts(3);
  process.env.TEST_MONITOR_PASSWORD ??= randomBytes(12).toString('base64url');
  const inventory: Inventory = {
    ...base,
    mysql: {
      ...base.mysql,
      maxLagSeconds: options.maxLagSeconds ?? base.mysql.maxLagSeconds,
      monitor: { user: 'monitor', password: 'env:TEST_MONITOR_PASSWORD' },
    },
    haproxy: { host: '127.0.0.1', writerPort: port, readerPort: port + 1, adminSocket: files.adminSocket },
  };
  const run = quietRun('test-haproxy');
  for (const node of inventoryNodes(inventory)) {
    const session = await MysqlSession.open(node, inventory.mysql.admin);
    try {
      await ensureMonitorUser(run, inventory, session);
    } finally {
      await session.close();
    }
  }
  await run.close();
  const agentListen = { host: '127.0.0.1', port: port + 2 };
  const site: HaproxySite = {
    files,
    agentListen,
    layout: {
      bindHost: '127.0.0.1',
      writerPort: port,
      readerPort: port + 1,
      adminSocket: files.adminSocket,
      agent: agentListen,
    },
  };
  const stop = async () => {
    await stopHaproxy(files);
    await stopAgent(files);
    rmSync(dir, { recursive: true, force: true });
  };
  return { inventory, files, agentListen, site, stop };
}

/**
 * Writes compose's HAProxy config and agent config (follow mode) into a test HAProxy's files, with
 * this machine's ports and socket in place of the container's; starts nothing.
 */
export function writeComposeLikeConfigs(proxy: TestHaproxy): void {
  const layout = { ...composeLayout, ...proxy.site.layout, nameserver: undefined };
  writeFileSync(proxy.files.config, renderHaproxyConfig(proxy.inventory, layout));
  const agentConfig = composeAgentConfigOf(proxy.inventory);
  agentConfig.listen = proxy.agentListen;
  agentConfig.openServers!.socket = proxy.files.adminSocket;
  writeFileSync(proxy.files.agentConfig, renderAgentConfig(agentConfig, 'compose-like test agent'));
}

/**
 * HAProxy and the health agent as real processes on free ports, in front of a test cluster: the
 * monitor account made on every node, configs rendered from the inventory, both started and
 * waited for until the master serves writes through HAProxy.
 */
export async function startTestHaproxy(
  base: Inventory,
  options: { maxLagSeconds?: number } = {},
): Promise<TestHaproxy> {
  const proxy = await prepareTestHaproxy(base, options);
  const { inventory, files, site } = proxy;
  const up = quietRun('test-haproxy-up');
  try {
    await convergeHaproxy(up, inventory, site);
    await waitFor(
      async () =>
        (await showServers(files.adminSocket)).filter(
          (s) => s.backend === 'reader' && !s.server.endsWith('-fallback') && s.up,
        ).length === inventory.mysql.slaves.length
          ? true
          : undefined,
      { timeoutMs: 15_000, what: 'HAProxy to see every slave replicating' },
    );
  } catch (error) {
    await proxy.stop();
    throw new Error(`${(error as Error).message}; steps: ${JSON.stringify(up.report().steps.slice(-3))}`);
  } finally {
    await up.close();
  }
  return proxy;
}

/** One connection through an endpoint, as the app's user: what it landed on. */
export async function landing(
  inventory: Inventory,
  port: number,
): Promise<{ serverId: number; readOnly: boolean }> {
  const conn = await mysql.createConnection({
    host: '127.0.0.1',
    port,
    user: inventory.mysql.app.user,
    password: resolveSecret(inventory.mysql.app.password),
    connectTimeout: 2000,
  });
  conn.on('error', () => {});
  try {
    const [rows] = await conn.query<mysql.RowDataPacket[]>(
      'SELECT @@GLOBAL.server_id AS id, @@GLOBAL.read_only AS ro',
    );
    return { serverId: Number(rows[0]?.id), readOnly: String(rows[0]?.ro) !== '0' };
  } finally {
    conn.destroy();
  }
}
