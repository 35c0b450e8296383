import { chmodSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../../lib/poll.ts';
import { makeTempDir } from '../../../lib/temp-dirs.ts';
import { errorBody, TestClient } from '../../test-support/client.ts';
import { startTestStack, type TestStack } from '../../test-support/stack.ts';
import { buildApp } from '../app.ts';
import { loadConfig } from './config.ts';
import { ErrorCode } from './errors.ts';
import { openLogFile } from './logging.ts';
import { tooManyConnectionsCode } from './websocket.ts';

/**
 * The HTTP edge of the real app (MariaDB, Redis, RabbitMQ, a real listener where Node's parser is the
 * point): timeouts, size limits, parser errors, media types and text in the one error shape; the
 * WebSocket cap and keep-alive; the log file's mode, rotation and what it leaves out.
 */
let stack: TestStack;
let app: FastifyInstance;
let api: TestClient;
let port: number;

beforeAll(async () => {
  stack = await startTestStack();
  app = await stack.app({ HTTP_REQUEST_TIMEOUT_MS: '1000' });
  api = new TestClient(app);
  await app.listen({ host: '127.0.0.1', port: 0 });
  port = (app.server.address() as { port: number }).port;
});

afterAll(async () => {
  await stack?.stop();
});

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: { message: string; request_id: string; code: number };
  elapsedMs: number;
}

/** Writes `chunks` on a plain TCP connection (each after `gapMs`) and reads what comes back until it closes. */
function rawRequest(chunks: string[], gapMs = 0): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1');
    let received = '';
    let timer: NodeJS.Timeout | undefined;
    const deadline = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within 10 s; got ${received.slice(0, 200)}`));
    }, 10_000);
    socket.on('data', (data) => {
      received += data.toString('utf8');
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(deadline);
      clearTimeout(timer);
      const [head = '', body = ''] = received.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(
        lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
      );
      try {
        resolve({
          status: Number(statusLine.split(' ')[1]),
          headers,
          body: JSON.parse(body),
          elapsedMs: Date.now() - started,
        });
      } catch {
        reject(new Error(`not a JSON answer: ${received.slice(0, 300)}`));
      }
    });
    const send = (i: number) => {
      if (i >= chunks.length || socket.destroyed) return;
      socket.write(chunks[i]!);
      timer = setTimeout(() => send(i + 1), gapMs);
    };
    socket.on('connect', () => send(0));
  });
}

function expectShape(answer: RawAnswer, status: number, code: number) {
  expect(answer.status).toBe(status);
  expect(Object.keys(answer.body).sort()).toEqual(['code', 'message', 'request_id']);
  expect(answer.body.code).toBe(code);
  expect(answer.headers['x-request-id']).toBe(answer.body.request_id);
  expect(answer.headers['content-type']).toContain('application/json');
}

function expectCode(response: LightMyRequestResponse, status: number, code: number) {
  expect(response.statusCode, response.body).toBe(status);
  expect(errorBody(response).code).toBe(code);
  expect(errorBody(response).request_id).toBe(response.headers['x-request-id']);
}

describe('timeouts and sizes', () => {
  it('cuts off a body sent a byte at a time once the request took longer than its timeout (408)', async () => {
    const body = JSON.stringify({ id: '1', password: 'slow-slow-slow' });
    const head = `POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
    const answer = await rawRequest([head, ...body.split('')], 300);
    expectShape(answer, 408, ErrorCode.REQUEST_TIMEOUT);
    // 1 s of timeout, checked every second: well before the body (about 9 s at this pace) could finish.
    expect(answer.elapsedMs).toBeLessThan(3500);
  });

  it('answers a malformed header with 400 and a 20 KB header with 431, in the error shape', async () => {
    expectShape(
      await rawRequest(['GET /health HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n']),
      400,
      ErrorCode.MALFORMED_REQUEST,
    );
    expectShape(
      await rawRequest([`GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20 * 1024)}\r\n\r\n`]),
      431,
      ErrorCode.HEADERS_TOO_LARGE,
    );
  });

  it('answers 503 (code 2002) when handling a request takes longer than its timeout', async () => {
    const slow = await stack.app({ HTTP_HANDLER_TIMEOUT_MS: '500' });
    const user = await api.register();
    // The user's row held by another transaction: the profile update waits on its lock.
    const admin = await stack.admin('master');
    try {
      await admin.exec('START TRANSACTION');
      await admin.query('SELECT id FROM ??.`user` WHERE id = ? FOR UPDATE', [
        stack.config.master.database,
        user.id,
      ]);
      const started = Date.now();
      const response = await new TestClient(slow).call('PUT', '/user/me', {
        token: user.token,
        body: { city: 'Тверь' },
      });
      expectCode(response, 503, ErrorCode.TIMEOUT);
      expect(response.headers['retry-after']).toBeDefined();
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      await admin.exec('ROLLBACK');
      await admin.close();
    }
  });

  it('answers bodies over the limit with code 1007 (413 off the contract, its 400 on a contract operation)', async () => {
    const user = await api.register();
    const big = await api.call('POST', '/post/create', {
      token: user.token,
      body: { text: 'x'.repeat(70_000) },
    });
    expectCode(big, 400, ErrorCode.PAYLOAD_TOO_LARGE);
  });
});

describe('error shape', () => {
  it("answers code 1008 for a text/plain body on a JSON route (the contract's 400)", async () => {
    const response = await api.call('POST', '/user/register', {
      body: 'first_name=x',
      headers: { 'content-type': 'text/plain' },
    });
    expectCode(response, 400, ErrorCode.UNSUPPORTED_MEDIA);
  });

  it('does not repeat the path in a 404 or in a refused URL', async () => {
    const unknown = await api.call('GET', '/no-such-path-4711');
    expectCode(unknown, 404, ErrorCode.ROUTE_NOT_FOUND);
    expect(unknown.body).not.toContain('4711');
    const bad = await api.call('GET', '/user/get/%zz4711');
    expectCode(bad, 400, ErrorCode.MALFORMED_REQUEST);
    expect(bad.body).not.toContain('4711');
  });
});

describe('text', () => {
  const users = async () => {
    const session = await stack.admin('master');
    try {
      return Number(await session.value('SELECT COUNT(*) FROM ??.`user`', [stack.config.master.database]));
    } finally {
      await session.close();
    }
  };
  const person = { first_name: 'Ян', second_name: 'Гус', birthdate: '1990-01-01', password: 'pa55word' };

  it('refuses invalid UTF-8 and lone surrogates with 400 in a body, a query, a form, and stores nothing', async () => {
    const before = await users();
    const json = JSON.stringify(person);
    const invalidUtf8 = Buffer.concat([
      Buffer.from(json.slice(0, json.indexOf('Ян'))),
      Buffer.from([0xd0, 0xff]),
      Buffer.from(json.slice(json.indexOf('Ян') + 2)),
    ]);
    const refused = [
      await app.inject({
        method: 'POST',
        url: '/user/register',
        payload: invalidUtf8,
        headers: { 'content-type': 'application/json' },
      }),
      await app.inject({
        method: 'POST',
        url: '/user/register',
        payload: json.replace('Ян', '\\ud800'),
        headers: { 'content-type': 'application/json' },
      }),
      await app.inject({
        method: 'POST',
        url: '/user/register',
        payload: json.replace('"first_name"', '"\\udc00"'),
        headers: { 'content-type': 'application/json' },
      }),
      await api.call('GET', '/user/search?first_name=%FF&last_name=a'),
      await api.call('GET', '/user/search?first_name=%ED%A0%80&last_name=a'),
    ];
    for (const response of refused) expectCode(response, 400, ErrorCode.VALIDATION);
    const form = await app.inject({
      method: 'POST',
      url: '/signin',
      payload: 'login=%FF&password=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.statusCode).toBe(400);
    expect(await users()).toBe(before);

    const user = await api.register();
    const post = await app.inject({
      method: 'POST',
      url: '/post/create',
      payload: '{"text": "a\\ud800b"}',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${user.token}` },
    });
    expectCode(post, 400, ErrorCode.VALIDATION);
    // A surrogate pair is one valid character, of course.
    const emoji = await api.call('POST', '/post/create', { token: user.token, body: { text: 'ok 😀' } });
    expect(emoji.statusCode).toBe(200);
  });
});

describe('WebSockets', () => {
  type Outcome = 'open' | [code: number, reason: string];

  /**
   * Opens /post/feed/posted for a token and watches it for `watchMs`: its close code and reason when
   * the server closes it by then (listened to from the start, so an immediate close is not missed).
   */
  async function openWatched(on: FastifyInstance, token: string, watchMs = 300) {
    let onClose: (value: Outcome) => void = () => {};
    const closedBy = new Promise<Outcome>((resolve) => {
      onClose = resolve;
    });
    const socket = await on.injectWS(
      '/post/feed/posted',
      { headers: { authorization: `Bearer ${token}` } },
      { onInit: (ws) => ws.on('close', (code: number, reason: Buffer) => onClose([code, String(reason)])) },
    );
    const outcome = await Promise.race([
      closedBy,
      new Promise<Outcome>((resolve) => setTimeout(() => resolve('open'), watchMs)),
    ]);
    return { socket, outcome };
  }

  it('caps the sockets of one user, closing one more with 4429, and lets one in again when one closes', async () => {
    const capped = await stack.app({ WS_MAX_CONNECTIONS_PER_USER: '2', HTTP_HANDLER_TIMEOUT_MS: '200' });
    const user = await api.register();
    const first = await openWatched(capped, user.token);
    // Held longer than the handler timeout: a socket is not a request.
    const second = await openWatched(capped, user.token);
    expect([first.outcome, second.outcome]).toEqual(['open', 'open']);
    const third = await openWatched(capped, user.token);
    expect(third.outcome).toEqual([tooManyConnectionsCode, 'too many connections for this user']);
    // Another user is not affected.
    expect((await openWatched(capped, (await api.register()).token)).outcome).toBe('open');

    first.socket.terminate();
    await waitFor(
      async () => ((await openWatched(capped, user.token)).outcome === 'open' ? true : undefined),
      {
        timeoutMs: 5000,
        what: 'a place to free up after one socket closed',
      },
    );
  });

  it('pings sockets and drops one that stops answering (its place frees up)', async () => {
    const pinging = await stack.app({ WS_PING_INTERVAL_MS: '500', WS_MAX_CONNECTIONS_PER_USER: '1' });
    const silentUser = await api.register();
    const answeringUser = await api.register();
    const answering = await openWatched(pinging, answeringUser.token);
    // app.injectWS's client does not answer pings by itself: this one does, as browsers do.
    answering.socket.on('ping', () => answering.socket.pong());
    const silent = await openWatched(pinging, silentUser.token);
    expect([answering.outcome, silent.outcome]).toEqual(['open', 'open']);
    expect((await openWatched(pinging, silentUser.token)).outcome).toEqual([
      tooManyConnectionsCode,
      'too many connections for this user',
    ]);
    await waitFor(
      async () => ((await openWatched(pinging, silentUser.token)).outcome === 'open' ? true : undefined),
      { timeoutMs: 5000, what: 'the silent socket to be dropped' },
    );
    // The one that answers its pings was kept all along (its user is capped at one, too).
    expect((await openWatched(pinging, answeringUser.token, 100)).outcome).toEqual([
      tooManyConnectionsCode,
      'too many connections for this user',
    ]);
    expect(answering.socket.readyState).toBe(answering.socket.OPEN);
  });
});

describe('log file', () => {
  it('is 0640, rotated by size keeping N files, and has no search terms above debug', async () => {
    const dir = makeTempDir('app-log-');
    const apps: FastifyInstance[] = [];
    try {
      const path = join(dir, 'app.log');
      writeFileSync(path, '');
      chmodSync(path, 0o644);
      const start = async (level: string, file: string) => {
        const started = await buildApp(loadConfig({ ...stack.env, LOG_LEVEL: level }), {
          logStream: openLogFile({ path: file, maxBytes: 4096, keep: 2 }),
        });
        apps.push(started);
        return started;
      };
      const info = await start('info', path);
      expect(statSync(path).mode & 0o777).toBe(0o640);
      for (let n = 0; n < 40; n++)
        await info.inject({ url: `/user/search?first_name=Тайное${n}&last_name=Имя` });
      const files = [path, `${path}.1`, `${path}.2`];
      // A rotation renames .1 to .2, then the log to .1: all three exist only between rotations, and
      // seen so on two polls in a row, the last rotation the writes caused is over.
      let seen = 0;
      const settled = async () => {
        seen = files.every((f) => existsSync(f)) ? seen + 1 : 0;
        return seen >= 2 ? true : undefined;
      };
      await waitFor(settled, { timeoutMs: 10_000, what: 'two rotations of app.log' });
      for (const file of files) expect(statSync(file).mode & 0o777).toBe(0o640);
      expect(existsSync(`${path}.3`)).toBe(false);
      const logged = files.map((f) => readFileSync(f, 'utf8')).join('');
      expect(logged).toContain('/user/search');
      expect(logged).not.toContain(encodeURIComponent('Тайное'));
      expect(logged).not.toContain('first_name');

      const debugPath = join(dir, 'debug.log');
      const debug = await start('debug', debugPath);
      await debug.inject({ url: '/user/search?first_name=Debug&last_name=Only' });
      await waitFor(
        async () => (readFileSync(debugPath, 'utf8').includes('first_name=Debug') ? true : undefined),
        {
          timeoutMs: 5000,
          what: 'the query in the debug log',
        },
      );
    } finally {
      await Promise.all(apps.map((a) => a.close()));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
