import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClient, type TestUser } from '../../test-support/client.ts';
import { startTestStack, type TestStack } from '../../test-support/stack.ts';
import { ErrorCode } from '../platform/errors.ts';

let stack: TestStack;
let app: FastifyInstance;
let api: TestClient;
let author: TestUser;
let reader: TestUser;

beforeAll(async () => {
  stack = await startTestStack();
  app = await stack.app();
  api = new TestClient(app);
  author = await api.register();
  reader = await api.register();
});

afterAll(async () => {
  await stack?.stop();
});

const keyed = (key: string) => ({ 'idempotency-key': key });

const postTexts = async (user: TestUser) =>
  (await api.call('GET', `/post/list/${user.id}?limit=100`))
    .json<Array<{ text: string }>>()
    .map((p) => p.text);

describe('the real API with an Idempotency-Key', () => {
  it('stores a post once for a key sent twice, and answers the same id', async () => {
    const key = randomUUID();
    const text = `once ${key}`;
    const send = () =>
      api.call('POST', '/post/create', { token: author.token, body: { text }, headers: keyed(key) });
    const first = await send();
    const again = await send();
    expect(first.statusCode).toBe(200);
    expect(again.body).toBe(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect((await postTexts(author)).filter((t) => t === text)).toHaveLength(1);
  });

  it('stores two posts for two keys', async () => {
    const text = `twice ${randomUUID()}`;
    for (const key of [randomUUID(), randomUUID()])
      await api.call('POST', '/post/create', { token: author.token, body: { text }, headers: keyed(key) });
    expect((await postTexts(author)).filter((t) => t === text)).toHaveLength(2);
  });

  it('keeps keys per caller: another user with the same key posts their own', async () => {
    const key = randomUUID();
    const text = `mine ${key}`;
    for (const user of [author, reader])
      await api.call('POST', '/post/create', { token: user.token, body: { text }, headers: keyed(key) });
    expect((await postTexts(reader)).filter((t) => t === text)).toHaveLength(1);
  });

  it('refuses the key with another post: 422, not the contract 400', async () => {
    const key = randomUUID();
    await api.call('POST', '/post/create', {
      token: author.token,
      body: { text: 'one' },
      headers: keyed(key),
    });
    const other = await api.call('POST', '/post/create', {
      token: author.token,
      body: { text: 'two' },
      headers: keyed(key),
    });
    expect(other.statusCode).toBe(422);
    expect(other.json().code).toBe(ErrorCode.IDEMPOTENCY_KEY_REUSED);
  });

  it('registers once and sends a message once per key', async () => {
    const key = randomUUID();
    const body = {
      first_name: 'Ключ',
      second_name: key,
      birthdate: '1990-01-01',
      city: 'Тула',
      password: 'pw-123456',
    };
    const users = await Promise.all(
      [1, 2].map(() => api.call('POST', '/user/register', { body, headers: keyed(key) })),
    );
    const ids = users.filter((u) => u.statusCode === 200).map((u) => u.json<{ user_id: string }>().user_id);
    const found = await api.call('GET', `/user/search?first_name=Ключ&last_name=${key}`);
    expect(found.json<unknown[]>()).toHaveLength(1);
    expect(new Set(ids).size).toBe(1);

    const message = `hello ${key}`;
    for (let i = 0; i < 2; i++)
      expect(
        (
          await api.call('POST', `/dialog/${reader.id}/send`, {
            token: author.token,
            body: { text: message },
            headers: keyed(key),
          })
        ).statusCode,
      ).toBe(200);
    const dialog = await api.call('GET', `/dialog/${author.id}/list`, { token: reader.token });
    expect(dialog.json<Array<{ text: string }>>().filter((m) => m.text === message)).toHaveLength(1);
  });

  it('describes the header and its answers in the OpenAPI document', async () => {
    const doc = (await api.call('GET', '/openapi.json')).json<{
      paths: Record<
        string,
        Record<string, { parameters?: Array<{ name: string; in: string }>; responses: object }>
      >;
    }>();
    for (const [path, method] of [
      ['/post/create', 'post'],
      ['/user/register', 'post'],
      ['/dialog/{user_id}/send', 'post'],
    ] as const) {
      const operation = doc.paths[path]![method]!;
      expect(operation.parameters, path).toContainEqual(
        expect.objectContaining({ name: 'idempotency-key', in: 'header' }),
      );
      expect(Object.keys(operation.responses), path).toEqual(expect.arrayContaining(['409', '422']));
    }
    expect(doc.paths['/login']!.post!.parameters ?? []).not.toContainEqual(
      expect.objectContaining({ name: 'idempotency-key' }),
    );
  });
});
