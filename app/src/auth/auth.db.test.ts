import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../../lib/poll.ts';
import { TestBrowser } from '../../test-support/browser.ts';
import { errorBody, TestClient, type TestUser } from '../../test-support/client.ts';
import { startTestStack, type TestStack } from '../../test-support/stack.ts';
import { ErrorCode } from '../platform/errors.ts';

/**
 * Sessions and abuse limits on the real app (MariaDB, Redis, RabbitMQ): a password change and "sign out
 * everywhere" end old tokens and web sessions; login and registration budgets hold across paths,
 * addresses and a Redis outage.
 */
let stack: TestStack;
let app: FastifyInstance;
let api: TestClient;

beforeAll(async () => {
  stack = await startTestStack();
  app = await stack.app();
  api = new TestClient(app);
});

afterAll(async () => {
  await stack?.stop();
});

function expectCode(response: LightMyRequestResponse, status: number, code: number) {
  expect(response.statusCode, response.body).toBe(status);
  const body = errorBody(response);
  expect(body.code).toBe(code);
  expect(body.request_id).toBe(response.headers['x-request-id']);
}

const me = (token: string, on: FastifyInstance = app) =>
  on.inject({ method: 'GET', url: '/user/me', headers: { authorization: `Bearer ${token}` } });

async function login(id: string, password: string): Promise<string> {
  const response = await api.call('POST', '/login', { body: { id, password } });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<{ token: string }>().token;
}

describe('password change', () => {
  it('documents current_password in the request schema of PUT /user/me in /openapi.json', async () => {
    const spec = (await api.call('GET', '/openapi.json')).json<{
      paths: Record<
        string,
        Record<string, { requestBody: { content: Record<string, { schema: unknown }> } }>
      >;
    }>();
    const schema = spec.paths['/user/me']!.put!.requestBody.content['application/json']!.schema as {
      properties: Record<string, { description?: string }>;
    };
    expect(schema.properties.current_password?.description).toContain('required with `password`');
    expect(spec.paths['/logout/all']?.post).toBeDefined();
  });

  it('needs the current password: missing is a 400, wrong a 403, and neither changes it', async () => {
    const user = await api.register();
    const change = (body: Record<string, string>) => api.call('PUT', '/user/me', { token: user.token, body });
    const missing = await change({ password: 'brand-new-pass' });
    expectCode(missing, 400, ErrorCode.VALIDATION);
    expect(errorBody(missing).message).toContain('current_password');
    expectCode(
      await change({ password: 'brand-new-pass', current_password: 'not-my-password' }),
      403,
      ErrorCode.WRONG_PASSWORD,
    );
    expect((await me(user.token)).statusCode).toBe(200);
    await login(user.id, 'secret-password');
  });

  it('ends every older token and web session: at once here, within the cache bound on another instance', async () => {
    const user = await api.register();
    const second = await login(user.id, 'secret-password');
    const browser = new TestBrowser(app);
    await browser.signIn(user.id, 'secret-password');
    expect(await browser.signedIn()).toBe(true);
    const other = await stack.app({ AUTH_GENERATION_CACHE_MS: '300' });
    expect((await me(user.token, other)).statusCode).toBe(200);

    const changed = await api.call('PUT', '/user/me', {
      token: user.token,
      body: { password: 'brand-new-pass', current_password: 'secret-password' },
    });
    expect(changed.statusCode, changed.body).toBe(200);

    for (const token of [user.token, second]) expectCode(await me(token), 401, ErrorCode.UNAUTHORIZED);
    expect(await browser.signedIn()).toBe(false);
    await waitFor(async () => ((await me(user.token, other)).statusCode === 401 ? true : undefined), {
      timeoutMs: 5000,
      what: 'the other instance to refuse the old token',
    });
    const fresh = await login(user.id, 'brand-new-pass');
    expect((await me(fresh)).statusCode).toBe(200);
    expect((await me(fresh, other)).statusCode).toBe(200);
  });

  it('from the edit page: a wrong current password is refused; the right one keeps this browser in and ends the others', async () => {
    const user = await api.register();
    const here = new TestBrowser(app);
    const there = new TestBrowser(app);
    await here.signIn(user.id, 'secret-password');
    await there.signIn(user.id, 'secret-password');

    await here.get('/me/edit');
    const wrong = await here.post('/me/edit', { password: 'brand-new-pass', current_password: 'nope-nope' });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.body).toContain('The current password is wrong.');
    expect(await there.signedIn()).toBe(true);

    await here.get('/me/edit');
    const right = await here.post('/me/edit', {
      password: 'brand-new-pass',
      current_password: 'secret-password',
    });
    expect(right.statusCode).toBe(303);
    expect(await here.signedIn()).toBe(true);
    expect(await there.signedIn()).toBe(false);
    expectCode(await me(user.token), 401, ErrorCode.UNAUTHORIZED);
  });
});

describe('sign out everywhere', () => {
  it('from the API ends the tokens and sessions; from the pages too', async () => {
    const user = await api.register();
    const browser = new TestBrowser(app);
    await browser.signIn(user.id, 'secret-password');
    const out = await api.call('POST', '/logout/all', { token: user.token });
    expect(out.statusCode, out.body).toBe(200);
    expectCode(await me(user.token), 401, ErrorCode.UNAUTHORIZED);
    expect(await browser.signedIn()).toBe(false);

    const token = await login(user.id, 'secret-password');
    await browser.signIn(user.id, 'secret-password');
    const page = await browser.post('/signout/everywhere', {});
    expect(page.statusCode).toBe(303);
    expect(page.headers.location).toBe('/signin?done=everywhere');
    expectCode(await me(token), 401, ErrorCode.UNAUTHORIZED);
    expect(await browser.signedIn()).toBe(false);
  });
});

describe('tokens', () => {
  it('refuses a token whose signature is spelled another way (same bytes, other unused bits)', async () => {
    const user: TestUser = await api.register();
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(user.token.at(-1)!);
    for (const unused of [1, 2, 3]) {
      const respelled = `${user.token.slice(0, -1)}${alphabet[last + unused]}`;
      expectCode(await me(respelled), 401, ErrorCode.UNAUTHORIZED);
    }
    expect((await me(user.token)).statusCode).toBe(200);
  });
});

describe('login limits', () => {
  const attempt = (on: FastifyInstance, url: string, body: object, address: string) =>
    on.inject({ method: 'POST', url, payload: body, remoteAddress: address });

  it('shares one budget per client address across /login, /login/email and /signin', async () => {
    const limited = await stack.app({ LOGIN_RATE_LIMIT_PER_MINUTE: '4' });
    const address = '192.0.2.10';
    const wrong = { password: 'not-the-password' };
    expect((await attempt(limited, '/login', { id: '900000001', ...wrong }, address)).statusCode).toBe(404);
    expect((await attempt(limited, '/login', { id: '900000002', ...wrong }, address)).statusCode).toBe(404);
    const email = { email: 'nobody@example.org', ...wrong };
    expect((await attempt(limited, '/login/email', email, address)).statusCode).toBe(404);
    const browser = new TestBrowser(limited, address);
    expect((await browser.post('/signin', { login: '900000003', ...wrong })).statusCode).toBe(400);

    const refused = await attempt(limited, '/login/email', email, address);
    expectCode(refused, 429, ErrorCode.RATE_LIMITED);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    const page = await browser.post('/signin', { login: '900000003', ...wrong });
    expect(page.statusCode).toBe(429);
    expect(page.body).toContain('Too many login attempts');
    // Another address has its own budget.
    expect((await attempt(limited, '/login', { id: '900000001', ...wrong }, '192.0.2.11')).statusCode).toBe(
      404,
    );
  });

  it('backs off per account, doubling, whatever address the guesses come from', async () => {
    const limited = await stack.app({
      LOGIN_ACCOUNT_FREE_FAILURES: '2',
      LOGIN_ACCOUNT_MAX_BACKOFF_SECONDS: '60',
    });
    const email = `backoff-${Date.now()}@example.org`;
    const user = await api.register({ email });
    const guess = (n: number, password = 'not-the-password') =>
      attempt(limited, '/login', { id: user.id, password }, `198.51.100.${n}`);
    expect((await guess(1)).statusCode).toBe(404);
    expect((await guess(2)).statusCode).toBe(404);
    expect((await guess(3)).statusCode).toBe(404); // third failure: locked for 1 s

    const locked = await guess(4, 'secret-password');
    // /login is a contract operation: its limit answers the contract's 503 with Retry-After (code 1006).
    expectCode(locked, 503, ErrorCode.RATE_LIMITED);
    expect(locked.headers['retry-after']).toBe('1');
    // The same account by its email: the same lock.
    const byEmail = await attempt(
      limited,
      '/login/email',
      { email, password: 'secret-password' },
      '198.51.100.5',
    );
    expectCode(byEmail, 429, ErrorCode.RATE_LIMITED);

    await waitFor(async () => ((await guess(6)).statusCode === 404 ? true : undefined), {
      timeoutMs: 5000,
      intervalMs: 200,
      what: 'the first lock to end',
    });
    // The fourth failure locks for 2 s: the lock doubled.
    const doubled = await guess(7, 'secret-password');
    expectCode(doubled, 503, ErrorCode.RATE_LIMITED);
    expect(Number(doubled.headers['retry-after'])).toBe(2);

    await waitFor(async () => ((await guess(8, 'secret-password')).statusCode === 200 ? true : undefined), {
      timeoutMs: 6000,
      intervalMs: 250,
      what: 'the second lock to end',
    });
    // A success forgets the failures: two free ones again.
    expect((await guess(9)).statusCode).toBe(404);
    expect((await guess(10)).statusCode).toBe(404);
  });

  it('limits registrations per client address, the API and the sign-up page together', async () => {
    const limited = await stack.app({ REGISTER_RATE_LIMIT_PER_HOUR: '2' });
    const address = '192.0.2.20';
    const person = { first_name: 'Ли', second_name: 'Мит', birthdate: '1990-01-01', password: 'pa55word' };
    for (let n = 0; n < 2; n++)
      expect((await attempt(limited, '/user/register', person, address)).statusCode).toBe(200);
    const refused = await attempt(limited, '/user/register', person, address);
    expectCode(refused, 503, ErrorCode.RATE_LIMITED);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(60);
    const page = await new TestBrowser(limited, address).post('/signup', person);
    expect(page.statusCode).toBe(429);
    expect((await attempt(limited, '/user/register', person, '192.0.2.21')).statusCode).toBe(200);
  });

  it('keeps limiting in this process while Redis is stopped', async () => {
    const limited = await stack.app({ LOGIN_RATE_LIMIT_PER_MINUTE: '3', LOGIN_ACCOUNT_FREE_FAILURES: '2' });
    await stack.redis.stop();
    try {
      const address = '192.0.2.30';
      for (const id of ['910000001', '910000002', '910000003'])
        expect((await attempt(limited, '/login', { id, password: 'wrong-one' }, address)).statusCode).toBe(
          404,
        );
      expectCode(
        await attempt(limited, '/login', { id: '910000004', password: 'wrong-one' }, address),
        503,
        ErrorCode.RATE_LIMITED,
      );
      // The per-account back-off too: the third failure of one account locks it.
      const account = { id: '910000009', password: 'wrong-one' };
      for (const n of [1, 2, 3])
        expect((await attempt(limited, '/login', account, `192.0.2.${40 + n}`)).statusCode).toBe(404);
      expectCode(await attempt(limited, '/login', account, '192.0.2.44'), 503, ErrorCode.RATE_LIMITED);
    } finally {
      await stack.redis.start();
    }
  });
});
