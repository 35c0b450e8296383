import type { AddressInfo } from 'node:net';
import { createConnection, createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startHealthAgent } from './agent.ts';
import type { AgentConfig } from './config.ts';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((done) => s.close(done));
});

/** A "MySQL node" that accepts connections and never sends its greeting: every poll times out. */
async function silentNode(): Promise<number> {
  const server = createServer(() => {});
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return (server.address() as AddressInfo).port;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise((done) => server.close(done));
  return port;
}

const connects = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

describe('the health agent at start', () => {
  it('listens only once every node has been polled, so HAProxy never hears "not polled yet"', async () => {
    const listenPort = await freePort();
    const config: AgentConfig = {
      listen: { host: '127.0.0.1', port: listenPort },
      pollIntervalMs: 250,
      staleAfterMs: 1000,
      maxLagSeconds: 5,
      monitor: { user: 'monitor', passwordEnv: 'UNUSED_PASSWORD' },
      nodes: [{ name: 'db1', host: '127.0.0.1', port: await silentNode() }],
    };
    const startedAt = Date.now();
    const starting = startHealthAgent(config, 'unused');
    // The first poll of the silent node ends only at its deadline (max(2 × 250 ms, 1 s)): until then
    // HAProxy's agent-checks are refused and keep the last known states.
    expect(await connects(listenPort)).toBe(false);
    const agent = await starting;
    try {
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(900);
      expect(await connects(listenPort)).toBe(true);
      expect(agent.snapshot().nodes.db1?.judged.writer).toMatch(
        /^down #unreachable: no answer within 1000 ms/,
      );
    } finally {
      await agent.close();
    }
  });
});
