import { readFileSync } from 'node:fs';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../lib/poll.ts';
import { errorBody, TestClient, type TestUser } from '../test-support/client.ts';
import { ContractChecker } from '../test-support/contract.ts';
import { startTestStack, type TestStack } from '../test-support/stack.ts';

// CONTRACT_BASE_URL points the whole suite at a running app (the image's container, a deployment): every
// call goes over HTTP there and no test stack is started. The test that needs instances with settings of
// its own is skipped then, with its reason printed.
const baseUrl = process.env.CONTRACT_BASE_URL;
let stack: TestStack | undefined;
let api: TestClient;
let alice: TestUser;
let bob: TestUser;
/** Every answer these tests get is checked against app/contract/otus-openapi.json: status and body. */
const contract = new ContractChecker();
const checked = (method: string, url: string, response: LightMyRequestResponse) => {
  contract.check(method, url, response);
  return response;
};

beforeAll(async () => {
  if (baseUrl) {
    api = new TestClient(new URL(baseUrl), checked);
  } else {
    stack = await startTestStack();
    api = new TestClient(await stack.app(), checked);
  }
  alice = await api.register({ first_name: 'Алиса', second_name: 'Селезнёва' });
  bob = await api.register({ first_name: 'Борис', second_name: 'Годунов' });
});

afterAll(async () => {
  await stack?.stop();
});

function expectError(response: { statusCode: number; json(): unknown }, status: number) {
  expect(response.statusCode).toBe(status);
  const body = errorBody(response as never);
  expect(typeof body.message).toBe('string');
  expect(body.message.length).toBeGreaterThan(0);
  expect(typeof body.request_id).toBe('string');
  expect(Number.isInteger(body.code)).toBe(true);
}

/**
 * No such post or user where the contract lists no 404: its "invalid input" (400), with the error's own
 * code (NOT_FOUND, 1004) so a client still tells it from a malformed request.
 */
function expectMissing(response: { statusCode: number; json(): unknown }) {
  expectError(response, 400);
  expect(errorBody(response as never).code).toBe(1004);
}

describe('/user/register and /login', () => {
  it('registers, returns {user_id} as a string, and logs in with {id, password} to {token}', async () => {
    const reg = await api.call('POST', '/user/register', {
      body: {
        first_name: 'Иван',
        second_name: 'Иванов',
        birthdate: '2000-02-29',
        biography: 'b',
        city: 'Тула',
        password: 'pa55word',
      },
    });
    expect(reg.statusCode).toBe(200);
    const { user_id } = reg.json<{ user_id: string }>();
    expect(user_id).toMatch(/^[1-9][0-9]*$/);
    const login = await api.call('POST', '/login', { body: { id: user_id, password: 'pa55word' } });
    expect(login.statusCode).toBe(200);
    expect(Object.keys(login.json())).toEqual(['token']);
  });

  it('answers a wrong password and an unknown id alike, without saying which', async () => {
    const wrong = await api.call('POST', '/login', { body: { id: alice.id, password: 'not-the-password' } });
    const unknown = await api.call('POST', '/login', {
      body: { id: '999999999', password: 'not-the-password' },
    });
    const garbage = await api.call('POST', '/login', {
      body: { id: 'no-such-id', password: 'not-the-password' },
    });
    for (const r of [wrong, unknown, garbage]) expectError(r, 404);
    expect(errorBody(wrong).message).toBe(errorBody(unknown).message);
    expect(errorBody(wrong).code).toBe(errorBody(garbage).code);
  });

  it('rejects bad registrations with 400', async () => {
    const base = { first_name: 'A', second_name: 'B', birthdate: '1990-01-01', password: 'pa55word' };
    const cases = [
      {},
      { ...base, first_name: '' },
      { ...base, birthdate: '1990-02-30' },
      { ...base, birthdate: 'yesterday' },
      { ...base, birthdate: '2999-01-01' },
      { ...base, password: 'x' },
      { ...base, first_name: 'x'.repeat(101) },
      { ...base, gender: 'robot' },
    ];
    for (const body of cases) {
      const r = await api.call('POST', '/user/register', { body });
      expect(r.statusCode, JSON.stringify(body)).toBe(400);
      expectError(r, 400);
    }
    expectError(await api.call('POST', '/login', { body: { id: alice.id } }), 400);
  });

  it('takes JSON bodies as typed: a number for a string field is a 400, while query strings are still read as numbers', async () => {
    const base = { first_name: 'A', second_name: 'B', birthdate: '1990-01-01', password: 'pa55word' };
    for (const body of [
      { ...base, first_name: 42 },
      { ...base, city: true },
      { ...base, biography: ['b'] },
    ]) {
      const r = await api.call('POST', '/user/register', { body });
      expect(r.statusCode, JSON.stringify(body)).toBe(400);
      expectError(r, 400);
    }
    expectError(await api.call('POST', '/login', { body: { id: Number(alice.id), password: 'x' } }), 400);
    expectError(await api.call('POST', '/post/create', { token: alice.token, body: { text: 12345 } }), 400);
    const search = await api.call('GET', '/user/search?first_name=%D0%90&last_name=%D0%A1&limit=1');
    expect(search.statusCode).toBe(200);
    expect(search.json<unknown[]>()).toHaveLength(1);
  });

  const ownInstances =
    'needs app instances with settings of their own and a client address of its own, in-process';
  if (baseUrl) console.log(`skipped against ${baseUrl}: the login rate limit test ${ownInstances}`);
  it.skipIf(baseUrl)(
    'counts login attempts per client address, which a forged X-Forwarded-For does not change unless TRUST_PROXY says so',
    async () => {
      if (!stack) throw new Error(`this test ${ownInstances}`);
      const direct = await stack.app({ LOGIN_RATE_LIMIT_PER_MINUTE: '2' });
      // A connection from an address of its own, so no other test's logins count here.
      const attempt = async (instance: FastifyInstance, forwarded: string) =>
        checked(
          'POST',
          '/login',
          await instance.inject({
            method: 'POST',
            url: '/login',
            payload: { id: '999999999', password: 'not-the-password' },
            headers: { 'x-forwarded-for': forwarded },
            remoteAddress: '192.0.2.7',
          }),
        );
      expect((await attempt(direct, '10.0.0.1')).statusCode).toBe(404);
      expect((await attempt(direct, '10.0.0.2')).statusCode).toBe(404);
      // The contract has no 429 for /login: a rate limit is its 5xx answer, 503 with Retry-After.
      const limited = await attempt(direct, '10.0.0.3');
      expectError(limited, 503);
      expect(errorBody(limited).code).toBe(1006);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);

      // Behind a proxy that sets the header, each client is counted on its own.
      const proxied = await stack.app({ LOGIN_RATE_LIMIT_PER_MINUTE: '2', TRUST_PROXY: 'true' });
      for (const address of ['10.1.0.1', '10.1.0.2', '10.1.0.3'])
        expect((await attempt(proxied, address)).statusCode).toBe(404);
    },
  );

  it('never answers 500 to malformed requests', async () => {
    const bad = [
      await api.call('POST', '/user/register', {
        body: '{"first_name":',
        headers: { 'content-type': 'application/json' },
      }),
      await api.call('POST', '/user/register', { body: 'plain', headers: { 'content-type': 'text/plain' } }),
      await api.call('POST', '/post/create', { token: alice.token, body: { text: 'x'.repeat(70_000) } }),
      await api.call('GET', '/user/get/99999999999999999999'),
      await api.call('GET', '/user/get/-1'),
      await api.call('GET', '/post/feed?offset=-1', { token: alice.token }),
      await api.call('GET', '/post/feed?limit=abc', { token: alice.token }),
      await api.call('GET', '/user/search?first_name=%25&last_name=_'),
    ];
    for (const r of bad) expect(r.statusCode, r.body).toBeLessThan(500);
    // Too large: the contract's "invalid input" (400), the code says which (PAYLOAD_TOO_LARGE).
    expectError(bad[2]!, 400);
    expect(errorBody(bad[2]!).code).toBe(1007);
  });
});

describe('/user/get and /user/search', () => {
  it('returns the contract User for an id, 404 for an unknown one, 400 for a malformed one', async () => {
    const r = await api.call('GET', `/user/get/${alice.id}`);
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({
      id: alice.id,
      first_name: 'Алиса',
      second_name: 'Селезнёва',
      birthdate: '1990-05-17',
      biography: 'Хобби: тесты',
      city: 'Москва',
    });
    expectError(await api.call('GET', '/user/get/987654321'), 404);
    expectError(await api.call('GET', '/user/get/abc'), 400);
  });

  it('finds users by name prefixes, in name order, treating % and _ literally', async () => {
    await api.register({ first_name: 'Алексей', second_name: 'Сергеев' });
    await api.register({ first_name: 'Александр', second_name: 'Семёнов' });
    await api.register({ first_name: 'Алла', second_name: 'Пугачёва' });
    const q = `/user/search?first_name=${encodeURIComponent('Ал')}&last_name=${encodeURIComponent('Се')}`;
    const found = await waitFor(
      async () => {
        const r = await api.call('GET', q);
        const names = r.json<Array<{ first_name: string }>>().map((u) => u.first_name);
        return names.length === 3 ? names : undefined;
      },
      { timeoutMs: 10_000, what: 'search results on the slaves' },
    );
    expect(found).toEqual(['Александр', 'Алексей', 'Алиса']);
    const none = await api.call(
      'GET',
      `/user/search?first_name=${encodeURIComponent('Ал%')}&last_name=${encodeURIComponent('Се')}`,
    );
    expect(none.json()).toEqual([]);
    expectError(await api.call('GET', '/user/search?first_name=Al'), 400);
    const limited = await api.call(
      'GET',
      `/user/search?first_name=${encodeURIComponent('Ал')}&last_name=${encodeURIComponent('С')}&limit=1`,
    );
    expect(limited.json()).toHaveLength(1);
  });
});

describe('profile (added paths)', () => {
  it("shows and edits the caller's own profile, and logs in by email", async () => {
    const me = await api.register({ email: 'Me@Example.org', gender: 'female' });
    const got = await api.call('GET', '/user/me', { token: me.token });
    expect(got.json()).toMatchObject({ id: me.id, email: 'me@example.org', gender: 'female' });
    expectError(await api.call('PUT', '/user/me', { token: me.token, body: {} }), 400);
    const edited = await api.call('PUT', '/user/me', {
      token: me.token,
      body: { city: 'Казань', password: 'new-password', current_password: 'secret-password' },
    });
    expect(edited.statusCode).toBe(200);
    expect(edited.json()).toMatchObject({ city: 'Казань' });
    const byEmail = await api.call('POST', '/login/email', {
      body: { email: 'me@example.org', password: 'new-password' },
    });
    expect(byEmail.statusCode).toBe(200);
    expectError(await api.call('POST', '/login', { body: { id: me.id, password: 'secret-password' } }), 404);
    // The password change ended the token it was made with.
    expectError(await api.call('GET', '/user/me', { token: me.token }), 401);
    expectError(await api.call('GET', '/user/me'), 401);
  });
});

describe('bearer tokens', () => {
  it('refuses missing, forged and malformed tokens with 401', async () => {
    const forged = `${bob.id}${alice.token.slice(alice.id.length)}`;
    for (const token of [undefined, 'garbage', forged, `${alice.token}x`]) {
      expectError(await api.call('GET', '/post/feed', { token }), 401);
    }
    expectError(await api.call('GET', '/post/feed', { headers: { authorization: 'Basic abc' } }), 401);
  });
});

describe('/friend and /post', () => {
  it('creates, gets, updates and deletes a post, with the id as a JSON string', async () => {
    const created = await api.call('POST', '/post/create', {
      token: alice.token,
      body: { text: 'первый пост' },
    });
    expect(created.statusCode).toBe(200);
    const id = created.json<string>();
    expect(typeof id).toBe('string');
    expect((await api.call('GET', `/post/get/${id}`)).json()).toEqual({
      id,
      text: 'первый пост',
      author_user_id: alice.id,
    });

    const update = await api.call('PUT', '/post/update', {
      token: alice.token,
      body: { id, text: 'исправленный' },
    });
    expect(update.statusCode).toBe(200);
    // GET /post/get reads a slave (the master only for what a slave lacks): it may lag a moment behind.
    const afterUpdate = await waitFor(
      async () => {
        const r = await api.call('GET', `/post/get/${id}`);
        return r.json<{ text: string }>().text === 'исправленный' ? r : undefined;
      },
      { timeoutMs: 10_000, what: 'the updated post on the slaves' },
    );
    expect(afterUpdate.json<{ text: string }>().text).toBe('исправленный');
    expectMissing(await api.call('PUT', '/post/update', { token: bob.token, body: { id, text: 'чужой' } }));
    expectMissing(await api.call('PUT', `/post/delete/${id}`, { token: bob.token }));

    expect((await api.call('PUT', `/post/delete/${id}`, { token: alice.token })).statusCode).toBe(200);
    const afterDelete = await waitFor(
      async () => {
        const r = await api.call('GET', `/post/get/${id}`);
        return r.statusCode === 200 ? undefined : r;
      },
      { timeoutMs: 10_000, what: 'the deleted post gone from the slaves' },
    );
    expectMissing(afterDelete);
    expectMissing(await api.call('PUT', `/post/delete/${id}`, { token: alice.token }));
    expectError(await api.call('POST', '/post/create', { token: alice.token, body: { text: '' } }), 400);
    expectError(await api.call('POST', '/post/create', { body: { text: 'x' } }), 401);
    expectError(await api.call('PUT', '/post/update', { token: alice.token, body: { text: 'no id' } }), 400);
  });

  it("shows a friend's posts in the feed at once, newest first, with offset and limit", async () => {
    const reader = await api.register();
    const ids: string[] = [];
    for (const text of ['one', 'two', 'three']) {
      ids.push((await api.call('POST', '/post/create', { token: bob.token, body: { text } })).json<string>());
    }
    expect((await api.call('GET', '/post/feed', { token: reader.token })).json()).toEqual([]);
    const set = await api.call('PUT', `/friend/set/${bob.id}`, {
      token: reader.token,
      headers: { 'content-type': 'application/json' },
    });
    expect(set.statusCode).toBe(200);
    const feed = await api.call('GET', '/post/feed', { token: reader.token });
    expect(feed.json()).toEqual([
      { id: ids[2], text: 'three', author_user_id: bob.id },
      { id: ids[1], text: 'two', author_user_id: bob.id },
      { id: ids[0], text: 'one', author_user_id: bob.id },
    ]);
    const page = await api.call('GET', '/post/feed?offset=1&limit=1', { token: reader.token });
    expect(page.json<Array<{ id: string }>>().map((p) => p.id)).toEqual([ids[1]]);

    expect((await api.call('GET', '/friend/list', { token: reader.token })).json()).toEqual([bob.id]);
    expect((await api.call('PUT', `/friend/delete/${bob.id}`, { token: reader.token })).statusCode).toBe(200);
    expect((await api.call('GET', '/post/feed', { token: reader.token })).json()).toEqual([]);
    expectMissing(await api.call('PUT', '/friend/set/123456789', { token: reader.token }));
    expectError(await api.call('PUT', `/friend/set/${reader.id}`, { token: reader.token }), 400);
    expectError(await api.call('PUT', '/friend/set/x', { token: reader.token }), 400);
    expectError(await api.call('PUT', `/friend/set/${bob.id}`), 401);
    expectError(await api.call('PUT', `/friend/delete/${bob.id}`), 401);
  });
});

describe('/dialog', () => {
  it('sends and lists {from, to, text} oldest first, for both participants only', async () => {
    const carol = await api.register();
    expect(
      (await api.call('POST', `/dialog/${bob.id}/send`, { token: alice.token, body: { text: 'привет' } }))
        .statusCode,
    ).toBe(200);
    expect(
      (await api.call('POST', `/dialog/${alice.id}/send`, { token: bob.token, body: { text: 'и тебе' } }))
        .statusCode,
    ).toBe(200);
    const expected = [
      { from: alice.id, to: bob.id, text: 'привет' },
      { from: bob.id, to: alice.id, text: 'и тебе' },
    ];
    expect((await api.call('GET', `/dialog/${bob.id}/list`, { token: alice.token })).json()).toEqual(
      expected,
    );
    expect((await api.call('GET', `/dialog/${alice.id}/list`, { token: bob.token })).json()).toEqual(
      expected,
    );
    // Carol can only ever see her own dialogs: with alice there is none.
    expect((await api.call('GET', `/dialog/${alice.id}/list`, { token: carol.token })).json()).toEqual([]);

    expectError(
      await api.call('POST', `/dialog/${bob.id}/send`, { token: alice.token, body: { text: '' } }),
      400,
    );
    expectError(await api.call('POST', `/dialog/${bob.id}/send`, { token: alice.token, body: {} }), 400);
    expectMissing(
      await api.call('POST', '/dialog/123456789/send', { token: alice.token, body: { text: 'x' } }),
    );
    expectError(
      await api.call('POST', `/dialog/${alice.id}/send`, { token: alice.token, body: { text: 'x' } }),
      400,
    );
    expectError(await api.call('POST', `/dialog/${bob.id}/send`, { body: { text: 'x' } }), 401);
    expectError(await api.call('GET', `/dialog/${bob.id}/list`), 401);
    expectError(await api.call('GET', '/dialog/abc/list', { token: alice.token }), 400);
  });

  it('lists chats with the last message and unread counts (added paths)', async () => {
    const dave = await api.register();
    await api.call('POST', `/dialog/${dave.id}/send`, { token: alice.token, body: { text: 'раз' } });
    await api.call('POST', `/dialog/${dave.id}/send`, { token: alice.token, body: { text: 'два' } });
    expect((await api.call('GET', '/dialog/unread', { token: dave.token })).json()).toEqual({
      total: 2,
      dialogs: [{ user_id: alice.id, unread: 2 }],
    });
    const chats = (await api.call('GET', '/dialog/list', { token: dave.token })).json<
      Array<Record<string, unknown>>
    >();
    expect(chats).toHaveLength(1);
    expect(chats[0]).toMatchObject({
      user_id: alice.id,
      unread: 2,
      last_message: { from: alice.id, text: 'два' },
    });
    expect((await api.call('PUT', `/dialog/${alice.id}/read`, { token: dave.token })).statusCode).toBe(200);
    expect((await api.call('GET', '/dialog/unread', { token: dave.token })).json()).toEqual({
      total: 0,
      dialogs: [],
    });
  });
});

describe('operations', () => {
  it('answers /health and /ready, and a request id on every response', async () => {
    expect((await api.call('GET', '/health')).json()).toEqual({ status: 'ok' });
    const ready = await api.call('GET', '/ready');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({
      status: 'ready',
      checks: { mysql: true, redis: true, rabbitmq: true },
    });
    const traced = await api.call('GET', '/user/get/1', { headers: { 'x-request-id': 'trace-12345678' } });
    expect(traced.headers['x-request-id']).toBe('trace-12345678');
    expectError(await api.call('GET', '/no/such/route'), 404);
  });

  it('serves an OpenAPI document with every contract path and method', async () => {
    const doc = (await api.call('GET', '/openapi.json')).json<{
      paths: Record<string, Record<string, unknown>>;
    }>();
    const contract = JSON.parse(
      readFileSync(new URL('../contract/otus-openapi.json', import.meta.url), 'utf8'),
    ) as {
      paths: Record<string, Record<string, unknown>>;
    };
    for (const [path, methods] of Object.entries(contract.paths)) {
      expect(doc.paths[path], path).toBeDefined();
      for (const method of Object.keys(methods))
        expect(doc.paths[path]![method], `${method} ${path}`).toBeDefined();
    }
    expect(doc.paths['/dialog/list']).toBeDefined();
  });
});

describe('the contract checker', () => {
  it('checked at least one answer of every operation in the contract (this block runs last)', () => {
    expect(contract.unchecked()).toEqual([]);
  });
});
