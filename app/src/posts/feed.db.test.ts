import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../../lib/poll.ts';
import { TestClient, type TestUser } from '../../test-support/client.ts';
import { startTestStack, type TestStack } from '../../test-support/stack.ts';

let stack: TestStack;
let one: FastifyInstance;
let two: FastifyInstance;
let apiOne: TestClient;
let apiTwo: TestClient;
let redis: Redis;

beforeAll(async () => {
  stack = await startTestStack();
  // Two app instances on one stack, like two containers behind nginx; a celebrity is anyone with over 3 followers.
  one = await stack.app({ FEED_CELEBRITY_FOLLOWERS: '3' });
  two = await stack.app({ FEED_CELEBRITY_FOLLOWERS: '3' });
  apiOne = new TestClient(one);
  apiTwo = new TestClient(two);
  redis = new Redis({ host: '127.0.0.1', port: stack.redis.port });
});

afterAll(async () => {
  redis?.disconnect();
  await stack?.stop();
});

const feedIds = async (api: TestClient, user: TestUser) =>
  (await api.call('GET', '/post/feed?limit=100', { token: user.token }))
    .json<Array<{ id: string }>>()
    .map((p) => p.id);

async function post(api: TestClient, author: TestUser, text: string): Promise<string> {
  return (await api.call('POST', '/post/create', { token: author.token, body: { text } })).json<string>();
}

describe('fan-out', () => {
  it('puts a new post into the built feeds of every follower, through RabbitMQ, from either instance', async () => {
    const author = await apiOne.register();
    const followers = [await apiOne.register(), await apiTwo.register()];
    for (const f of followers) await apiOne.call('PUT', `/friend/set/${author.id}`, { token: f.token });
    // Reading builds each feed in Redis (empty); from then on only fan-out can add to it.
    for (const f of followers) expect(await feedIds(apiTwo, f)).toEqual([]);
    const id = await post(apiTwo, author, 'fan-out');
    for (const f of followers) {
      await waitFor(async () => ((await redis.zscore(`feed:${f.id}`, id)) !== null ? true : undefined), {
        timeoutMs: 10_000,
        what: `post ${id} in feed:${f.id}`,
      });
      expect(await feedIds(apiOne, f)).toEqual([id]);
    }
  });

  it('takes a deleted post out of the feeds and shows an edit at once', async () => {
    const author = await apiOne.register();
    const follower = await apiOne.register();
    await apiOne.call('PUT', `/friend/set/${author.id}`, { token: follower.token });
    const keep = await post(apiOne, author, 'keep');
    const drop = await post(apiOne, author, 'drop');
    expect(await feedIds(apiOne, follower)).toEqual([drop, keep]);
    await apiOne.call('PUT', '/post/update', {
      token: author.token,
      body: { id: keep, text: 'kept, edited' },
    });
    await apiOne.call('PUT', `/post/delete/${drop}`, { token: author.token });
    await waitFor(
      async () => ((await redis.zscore(`feed:${follower.id}`, drop)) === null ? true : undefined),
      {
        timeoutMs: 10_000,
        what: 'the deleted post to leave the feed',
      },
    );
    expect((await apiTwo.call('GET', '/post/feed', { token: follower.token })).json()).toEqual([
      { id: keep, text: 'kept, edited', author_user_id: author.id },
    ]);
  });

  it("fans a celebrity's post out page by page on the bulk queue, reaching every follower", async () => {
    const celebrity = await apiOne.register();
    const fans: TestUser[] = [];
    for (let i = 0; i < 5; i++) fans.push(await apiOne.register());
    for (const fan of fans) {
      await apiOne.call('PUT', `/friend/set/${celebrity.id}`, { token: fan.token });
      await feedIds(apiOne, fan);
    }
    const id = await post(apiOne, celebrity, 'for all my fans');
    for (const fan of fans) {
      await waitFor(async () => ((await redis.zscore(`feed:${fan.id}`, id)) !== null ? true : undefined), {
        timeoutMs: 10_000,
        what: `celebrity post in feed:${fan.id}`,
      });
    }
  });

  it('rebuilds feeds from MySQL after Redis lost everything', async () => {
    const author = await apiOne.register();
    const follower = await apiOne.register();
    await apiOne.call('PUT', `/friend/set/${author.id}`, { token: follower.token });
    const ids = [await post(apiOne, author, 'a'), await post(apiOne, author, 'b')];
    const before = await feedIds(apiOne, follower);
    expect(before).toEqual([...ids].reverse());
    await redis.flushall();
    expect(await redis.exists(`feed:${follower.id}`)).toBe(0);
    expect(await feedIds(apiTwo, follower)).toEqual(before);
    expect(await redis.exists(`feed:${follower.id}`)).toBe(1);
  });
});

describe('live feed over WebSocket', () => {
  it("pushes a friend's new post to a socket held by the other instance, with the asyncapi payload", async () => {
    const author = await apiOne.register();
    const friend = await apiTwo.register();
    const stranger = await apiTwo.register();
    await apiTwo.call('PUT', `/friend/set/${author.id}`, { token: friend.token });
    const friendSocket = await two.injectWS('/post/feed/posted', {
      headers: { authorization: `Bearer ${friend.token}` },
    });
    const strangerSocket = await two.injectWS(
      `/post/feed/posted?token=${encodeURIComponent(stranger.token)}`,
    );
    const strangerGot: string[] = [];
    strangerSocket.on('message', (data: Buffer) => strangerGot.push(String(data)));
    const received: string[] = [];
    friendSocket.on('message', (data: Buffer) => received.push(String(data)));

    // The socket is indexed once the friend's list has loaded: post until one arrives.
    const posted: string[] = [];
    const message = await waitFor(
      async () => {
        if (received.length > 0) return JSON.parse(received[0]!) as Record<string, string>;
        posted.push(await post(apiOne, author, 'живой пост'));
        return undefined;
      },
      { timeoutMs: 10_000, intervalMs: 300, what: "a live post on the friend's socket" },
    );
    expect(posted).toContain(message.postId);
    expect(message).toEqual({ postId: message.postId, postText: 'живой пост', author_user_id: author.id });
    expect(strangerGot).toEqual([]);
    friendSocket.terminate();
    strangerSocket.terminate();
  });

  it('refuses a socket without a valid token', async () => {
    await expect(two.injectWS('/post/feed/posted')).rejects.toThrow();
    await expect(two.injectWS('/post/feed/posted?token=forged')).rejects.toThrow();
  });
});

describe("an author's posts (GET /post/list/{user_id}, an added path)", () => {
  it('pages newest first with a keyset on the id, without deleted posts, for anyone', async () => {
    const author = await apiOne.register();
    const other = await apiOne.register();
    const ids: string[] = [];
    for (const text of ['one', 'two', 'three', 'four', 'five']) ids.push(await post(apiOne, author, text));
    await post(apiOne, other, 'not theirs');
    await apiOne.call('PUT', `/post/delete/${ids[3]}`, { token: author.token });
    const page = async (query: string) =>
      (await apiTwo.call('GET', `/post/list/${author.id}${query}`)).json<
        Array<{ id: string; text: string; author_user_id: string }>
      >();
    // The master has them at once; a slave may lag behind for a moment.
    await waitFor(async () => ((await page('?limit=100')).length === 4 ? true : undefined), {
      timeoutMs: 10_000,
      what: 'four posts on the slaves',
    });
    const first = await page('?limit=2');
    expect(first).toEqual([
      { id: ids[4], text: 'five', author_user_id: author.id },
      { id: ids[2], text: 'three', author_user_id: author.id },
    ]);
    const second = await page(`?limit=2&before=${ids[2]}`);
    expect(second.map((p) => p.text)).toEqual(['two', 'one']);
    expect(await page(`?limit=2&before=${ids[0]}`)).toEqual([]);
  });

  it('is 404 for an unknown user and 400 for a malformed cursor', async () => {
    expect((await apiOne.call('GET', '/post/list/999999999')).statusCode).toBe(404);
    expect((await apiOne.call('GET', '/post/list/1?before=abc')).statusCode).toBe(400);
    expect((await apiOne.call('GET', '/post/list/1?limit=0')).statusCode).toBe(400);
  });
});
