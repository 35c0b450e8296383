import type { Server } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeMetrics, serveMetrics } from '../../../lib/metrics-server.ts';
import { freePorts } from '../../../lib/net.ts';
import { waitFor } from '../../../lib/poll.ts';
import { TestClient } from '../../test-support/client.ts';
import { startTestStack, type TestStack } from '../../test-support/stack.ts';
import { buildApp } from '../app.ts';
import { loadConfig } from './config.ts';
import { AppMetrics } from './metrics.ts';

let stack: TestStack;
let app: FastifyInstance;
let api: TestClient;
const metrics = new AppMetrics();
let server: Server;
let metricsUrl: string;

beforeAll(async () => {
  stack = await startTestStack();
  app = await buildApp(loadConfig(stack.env), { logger: false, metrics });
  await app.ready();
  api = new TestClient(app);
  const port = await freePorts(1);
  server = await serveMetrics(metrics.registry, '127.0.0.1', port);
  metricsUrl = `http://127.0.0.1:${port}/metrics`;
});

afterAll(async () => {
  if (server) await closeMetrics(server);
  await app?.close();
  await stack?.stop();
});

async function scrape(): Promise<string> {
  const response = await fetch(metricsUrl);
  expect(response.status).toBe(200);
  return response.text();
}

/** The value of one series, found by its name and labels in the text format. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
      return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('the app metrics', () => {
  it('count requests by route template and status, never by the URL a client sent', async () => {
    const user = await api.register({ first_name: 'Metricsname' });
    await api.call('GET', `/user/get/${user.id}`, { token: user.token });
    await api.call('GET', '/user/get/999999999999', { token: user.token });
    await api.call('GET', '/no/such/page/alice@example.com');
    const text = await scrape();
    const get = (status: string) =>
      sample(text, 'app_http_request_duration_seconds_count', {
        route: '/user/get/:id',
        method: 'GET',
        status_code: status,
      });
    expect(get('200')).toBe(1);
    expect(get('404')).toBe(1);
    expect(
      sample(text, 'app_http_request_duration_seconds_count', { route: 'unmatched', status_code: '404' }),
    ).toBe(1);
    // Neither the ids, the unknown path, nor anything the user registered with appears anywhere.
    for (const leak of [`/user/get/${user.id}`, '999999999999', 'alice', 'Metricsname'])
      expect(text).not.toContain(leak);
  });

  it('show each MySQL pool by endpoint, Redis and RabbitMQ health, the fan-out queues and sockets', async () => {
    const text = await scrape();
    const { master, slaves } = stack.cluster;
    expect(
      sample(text, 'app_db_pool_connections', {
        pool: 'write',
        endpoint: `${master.host}:${master.port}`,
        state: 'idle',
      }),
    ).toBeGreaterThanOrEqual(1);
    for (const slave of slaves)
      expect(
        sample(text, 'app_db_pool_connections', { pool: 'read', endpoint: `${slave.host}:${slave.port}` }),
      ).toBeDefined();
    expect(sample(text, 'app_dependency_up', { dependency: 'redis' })).toBe(1);
    expect(sample(text, 'app_dependency_up', { dependency: 'rabbitmq' })).toBe(1);
    const prefix = stack.env.RABBITMQ_PREFIX;
    expect(sample(text, 'app_queue_messages', { queue: `${prefix}.feed.fanout` })).toBe(0);
    expect(sample(text, 'app_websocket_connections', {})).toBe(0);
    expect(sample(text, 'app_process_resident_memory_bytes', {})).toBeGreaterThan(0);
  });

  it('time fan-out deliveries and count unread-counter rebuilds', async () => {
    const [author, follower] = [await api.register(), await api.register()];
    await api.call('PUT', `/friend/set/${author.id}`, { token: follower.token });
    await api.call('POST', '/post/create', { token: author.token, body: { text: 'hello' } });
    const queue = `${stack.env.RABBITMQ_PREFIX}.feed.fanout`;
    await waitFor(
      async () =>
        (sample(await scrape(), 'app_queue_delivery_delay_seconds_count', { queue }) ?? 0) >= 1
          ? true
          : undefined,
      { timeoutMs: 30_000, intervalMs: 200, what: 'a fan-out delivery to be timed' },
    );
    const before = sample(await scrape(), 'app_unread_counter_rebuilds_total', {}) ?? 0;
    // A user's first unread read finds no Redis hash and rebuilds it from MySQL.
    await api.call('GET', '/dialog/unread', { token: follower.token });
    expect(sample(await scrape(), 'app_unread_counter_rebuilds_total', {})).toBe(before + 1);
  });

  it('serve only /metrics on the metrics address', async () => {
    expect((await fetch(metricsUrl.replace('/metrics', '/user/get/1'))).status).toBe(404);
  });
});
