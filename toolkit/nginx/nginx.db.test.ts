import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestStack, type TestStack } from '../../app/test-support/stack.ts';
import { freePorts } from '../../lib/net.ts';
import { waitFor } from '../../lib/poll.ts';
import { type AppProcess, httpCall, spawnAppProcess } from '../app/testing.ts';
import { type AppInstance, renderNginxConfig } from './config.ts';
import {
  checkNginxConfig,
  type NginxFiles,
  nginxFiles,
  nginxWorkers,
  reloadNginx,
  startNginx,
  stopNginx,
} from './processes.ts';

const proxyAddress = '127.0.0.2';
let stack: TestStack;
let dir: string;
let files: NginxFiles;
let port: number;
let apps: AppProcess[] = [];
let master: number;

function render(instances: AppInstance[]): string {
  return renderNginxConfig({
    inventory: 'test',
    listen: { host: '127.0.0.1', port },
    instances,
    files: { pid: files.pid, errorLog: files.errorLog, accessLog: files.accessLog, tempDir: files.tempDir },
    proxyBind: proxyAddress,
    workerProcesses: 1,
  });
}

const instancesOf = (list: AppProcess[]): AppInstance[] =>
  list.map((a) => ({ name: a.name, host: '127.0.0.1', port: a.port }));

beforeAll(async () => {
  stack = await startTestStack();
  dir = mkdtempSync(join(tmpdir(), 'nginx-test-'));
  files = nginxFiles(dir);
  port = await freePorts(3);
  const env = {
    ...stack.env,
    TRUST_PROXY: proxyAddress,
    LOGIN_RATE_LIMIT_PER_MINUTE: '3',
    LOG_LEVEL: 'info',
  };
  apps = await Promise.all(
    ['app', 'app-2'].map((name, i) =>
      spawnAppProcess(name, port + 1 + i, { ...env, APP_INSTANCE_ID: String(i + 1) }, dir),
    ),
  );
  writeFileSync(files.config, render(instancesOf(apps)));
  master = await startNginx(files, async () => (await httpCall({ port, path: '/health' })).status === 200);
}, 180_000);

afterAll(async () => {
  if (files) await stopNginx(files, master);
  for (const app of apps) app.child.kill('SIGKILL');
  await stack?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const json = <T>(answer: { body: string }) => JSON.parse(answer.body) as T;

async function register(name: string): Promise<{ id: string; token: string }> {
  const password = 'secret-password';
  const registered = await httpCall({
    port,
    path: '/user/register',
    method: 'POST',
    body: {
      first_name: name,
      second_name: 'Прокси',
      birthdate: '1990-01-01',
      biography: '',
      city: 'Москва',
      password,
    },
  });
  const id = json<{ user_id: string }>(registered).user_id;
  const login = await httpCall({
    port,
    path: '/login',
    method: 'POST',
    body: { id, password },
    from: '127.0.0.9',
  });
  return { id, token: json<{ token: string }>(login).token };
}

/** Which instance logged a request id (each app logs the requests it serves). */
function servedBy(requestId: string): string | undefined {
  return apps.find((a) => readFileSync(a.log, 'utf8').includes(requestId))?.name;
}

async function waitServedBy(requestId: string): Promise<string> {
  return waitFor(async () => servedBy(requestId), {
    timeoutMs: 5000,
    what: `the app that served ${requestId}`,
  });
}

describe('nginx in front of two app instances', () => {
  it('refuses a config that does not pass nginx -t, with one line, leaving the running one alone', () => {
    const broken = join(dir, 'broken.conf');
    writeFileSync(
      broken,
      render(instancesOf(apps)).replace('upstream app {', 'upstream app {\n  bogus_directive;'),
    );
    expect(() => checkNginxConfig(files, broken)).toThrow(
      /^nginx -t refused .*broken\.conf: .*bogus_directive/,
    );
    expect(nginxWorkers(master).length).toBeGreaterThan(0);
  });

  it('balances requests over both instances', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const id = `balance-${randomBytes(6).toString('hex')}`;
      // /health is not logged by the app; a user lookup is (404 or 200 alike).
      const answer = await httpCall({ port, path: '/user/get/1', headers: { 'x-request-id': id } });
      expect(answer.status).toBeLessThan(500);
      expect(answer.headers['x-request-id']).toBe(id);
      seen.add(await waitServedBy(id));
    }
    expect([...seen].sort()).toEqual(['app', 'app-2']);
  });

  it('lets the login rate limit see each client behind nginx, and no forged X-Forwarded-For', async () => {
    const login = (from: string, forged: string) =>
      httpCall({
        port,
        path: '/login',
        method: 'POST',
        from,
        headers: { 'x-forwarded-for': forged },
        body: { id: '1', password: 'wrong-password' },
      });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await login('127.0.0.3', `10.0.0.${i}`)).status);
    expect(statuses.slice(0, 3)).toEqual([404, 404, 404]);
    expect(statuses[3]).toBe(503); // the contract's answer to a rate limit on /login
    // Another client, behind the same nginx, is its own address to the app.
    expect((await login('127.0.0.4', '10.0.0.1')).status).toBe(404);
  });

  it('delivers a post made through nginx on one instance to a WebSocket held through nginx by the other', async () => {
    const author = await register('Автор');
    const reader = await register('Читатель');
    expect(
      (
        await httpCall({
          port,
          path: `/friend/set/${author.id}`,
          method: 'PUT',
          headers: { authorization: `Bearer ${reader.token}` },
        })
      ).status,
    ).toBe(200);
    const socketId = `socket-${randomBytes(6).toString('hex')}`;
    const socket = new WebSocket(`ws://127.0.0.1:${port}/post/feed/posted`, {
      headers: { authorization: `Bearer ${reader.token}`, 'x-request-id': socketId },
    });
    const received: Array<{ postId: string }> = [];
    socket.on('message', (data) => received.push(JSON.parse(String(data))));
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const socketOn = await waitServedBy(socketId);

    // Reloading nginx keeps the socket: its worker finishes it while new workers take new requests.
    const reload = await reloadNginx(files, master);
    expect(reload).toMatch(/→/);

    const delivered = await waitFor(
      async () => {
        const id = `post-${randomBytes(6).toString('hex')}`;
        const created = await httpCall({
          port,
          path: '/post/create',
          method: 'POST',
          headers: { authorization: `Bearer ${author.token}`, 'x-request-id': id },
          body: { text: 'через nginx' },
        });
        expect(created.status).toBe(200);
        const postId = json<string>(created);
        if ((await waitServedBy(id)) === socketOn) return undefined;
        return waitFor(async () => received.find((m) => m.postId === postId), {
          timeoutMs: 10_000,
          what: `post ${postId} on the socket held by ${socketOn}`,
        });
      },
      { timeoutMs: 30_000, intervalMs: 200, what: 'a post served by the instance without the socket' },
    );
    expect(delivered).toMatchObject({ postText: 'через nginx', author_user_id: author.id });
    expect(socket.readyState).toBe(WebSocket.OPEN);
    socket.terminate();
  });

  it('fails only the requests in flight when an instance is SIGKILLed, in the contract error shape', async () => {
    const author = await register('Нагрузка');
    const outcomes: Array<{ status: number; body: string; retryAfter: unknown; startedAt: number }> = [];
    let killedAt = Number.POSITIVE_INFINITY;
    const until = Date.now() + 4000;
    const worker = async (n: number) => {
      for (let i = 0; Date.now() < until; i++) {
        const startedAt = Date.now();
        const write = (n + i) % 2 === 0;
        const answer = await httpCall(
          write
            ? {
                port,
                path: '/post/create',
                method: 'POST',
                headers: { authorization: `Bearer ${author.token}` },
                body: { text: `load ${n}.${i}` },
              }
            : { port, path: `/user/get/${author.id}` },
        );
        outcomes.push({
          status: answer.status,
          body: answer.body,
          retryAfter: answer.headers['retry-after'],
          startedAt,
        });
      }
    };
    const concurrency = 4;
    const load = Promise.all(Array.from({ length: concurrency }, (_, n) => worker(n)));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    // A request can reach the instance's socket until the kernel has torn the process down: the
    // moment it is gone is when the exit is seen, not when the signal was sent.
    const gone = new Promise<number>((resolve) => apps[0]!.child.once('exit', () => resolve(Date.now())));
    apps[0]!.child.kill('SIGKILL');
    killedAt = await gone;
    await load;

    const failed = outcomes.filter((o) => o.status !== 200);
    const log = readFileSync(files.accessLog, 'utf8')
      .split('\n')
      .filter((l) => /"status":5/.test(l));
    const detail = JSON.stringify({ killedAt, failed, log }, null, 1);
    // Only requests already running when the instance died can fail: at most one per client.
    expect(failed.length, detail).toBeLessThanOrEqual(concurrency);
    for (const f of failed) {
      expect(f.startedAt, detail).toBeLessThanOrEqual(killedAt);
      expect(f.status).toBe(502);
      expect(f.retryAfter).toBe('5');
      expect(JSON.parse(f.body)).toMatchObject({ code: 2001, request_id: expect.any(String) });
    }
    expect(outcomes.filter((o) => o.startedAt > killedAt && o.status === 200).length).toBeGreaterThan(10);
  });

  it('answers 502 in the contract error shape when no instance is left', async () => {
    writeFileSync(files.config, render(instancesOf([apps[0]!])));
    await reloadNginx(files, master);
    const answer = await httpCall({ port, path: '/health', headers: { 'x-request-id': 'no-instance-left' } });
    expect(answer.status).toBe(502);
    expect(answer.headers['retry-after']).toBe('5');
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(answer.body)).toEqual({
      message: 'no app instance answered, retry later',
      request_id: 'no-instance-left',
      code: 2001,
    });
  });
});
