import amqp from 'amqplib';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../../lib/poll.ts';
import { TestClient, type TestUser } from '../../test-support/client.ts';
import { startTestStack, type TestStack } from '../../test-support/stack.ts';
import { type FanoutEvent, fanoutNames } from './fanout.ts';
import { FeedStore } from './feed-store.ts';

let stack: TestStack;
let one: FastifyInstance;
let two: FastifyInstance;
let apiOne: TestClient;
let apiTwo: TestClient;
let redis: Redis;
const pageSize = 2;
/** How long an ordinary post may take to reach a feed mid celebrity fan-out (generous: 2 cores shared by many). */
const ordinaryBoundMs = 5000;

beforeAll(async () => {
  stack = await startTestStack();
  // Two app instances on one stack, like two containers behind nginx; a celebrity is anyone with over 3
  // followers, and fan-out walks followers 2 at a time, so a handful of followers already spans pages.
  const limits = { FEED_CELEBRITY_FOLLOWERS: '3', FEED_FANOUT_PAGE_SIZE: String(pageSize) };
  one = await stack.app(limits);
  two = await stack.app(limits);
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

/** `count` users who follow one new author, written straight to MySQL, each with a built (empty) feed. */
async function insertFollowers(api: TestClient, count: number): Promise<{ author: TestUser; ids: string[] }> {
  const author = await api.register();
  const admin = await stack.admin('master');
  try {
    const db = stack.config.master.database;
    const tag = `Fans of ${author.id}`;
    const rows = Array.from({ length: count }, (_, i) => [`Fan${i}`, tag, 'x']);
    await admin.exec(
      `INSERT INTO ??.\`user\` (first_name, second_name, password_hash) VALUES ${rows.map(() => '(?, ?, ?)').join(', ')}`,
      [db, ...rows.flat()],
    );
    const ids = (
      await admin.query('SELECT id FROM ??.`user` WHERE second_name = ? ORDER BY id', [db, tag])
    ).map((r) => String(r.id));
    await admin.exec(
      `INSERT INTO ??.friend (user_id, friend_id) VALUES ${ids.map(() => '(?, ?)').join(', ')}`,
      [db, ...ids.flatMap((fan) => [fan, author.id])],
    );
    const feeds = new FeedStore(redis, 1000);
    await Promise.all(ids.map((fan) => feeds.build(fan, [])));
    return { author, ids };
  } finally {
    await admin.close();
  }
}

/** How many of these users' feeds hold the post. */
async function fansWith(ids: string[], postId: string): Promise<number> {
  const batch = redis.pipeline();
  for (const fan of ids) batch.zscore(`feed:${fan}`, postId);
  const answers = (await batch.exec()) ?? [];
  return answers.filter(([, score]) => score !== null).length;
}

/**
 * A queue of the test's own bound to the fan-out exchange with the bulk routing key: it receives a copy of
 * every message the app publishes to the bulk queue, so the test counts the pages a fan-out went through.
 */
async function watchBulkQueue() {
  const connection = await amqp.connect('amqp://guest:guest@127.0.0.1:5672');
  const channel = await connection.createChannel();
  const { exchange } = fanoutNames(stack.config.rabbitmq.prefix);
  const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
  await channel.bindQueue(queue, exchange, 'bulk');
  const seen: FanoutEvent[] = [];
  await channel.consume(
    queue,
    (m) => {
      if (m) seen.push(JSON.parse(m.content.toString('utf8')) as FanoutEvent);
    },
    { noAck: true },
  );
  return {
    pages: (postId: string) => seen.filter((e) => e.postId === postId),
    close: () => connection.close(),
  };
}

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

  it("fans a celebrity's post out page by page on the bulk queue while ordinary posts keep flowing", async () => {
    // 600 followers in pages of 2: 301 bulk messages, each published by the page before it.
    const fans = await insertFollowers(apiOne, 600);
    const celebrity = fans.author;
    const bulk = await watchBulkQueue();
    const ordinaryAuthor = await apiOne.register();
    const reader = await apiOne.register();
    await apiOne.call('PUT', `/friend/set/${ordinaryAuthor.id}`, { token: reader.token });
    expect(await feedIds(apiOne, reader)).toEqual([]);

    const id = await post(apiOne, celebrity, 'for all my fans');
    await waitFor(async () => (bulk.pages(id).length > 0 ? true : undefined), {
      timeoutMs: 10_000,
      what: 'the first bulk page of the celebrity post',
    });
    // Mid fan-out, an ordinary author's post reaches its reader within the bound, ahead of the celebrity's.
    const started = Date.now();
    const ordinary = await post(apiTwo, ordinaryAuthor, 'ordinary');
    await waitFor(
      async () => ((await redis.zscore(`feed:${reader.id}`, ordinary)) !== null ? true : undefined),
      {
        timeoutMs: ordinaryBoundMs,
        intervalMs: 20,
        what: 'the ordinary post while the celebrity fan-out runs',
      },
    );
    const ordinaryMs = Date.now() - started;
    const pagesSoFar = bulk.pages(id).length;
    console.log(`ordinary post delivered in ${ordinaryMs} ms, at bulk page ${pagesSoFar}`);
    const expectedPages = Math.floor(fans.ids.length / pageSize) + 1; // the last full page publishes an empty one
    expect(pagesSoFar, 'the celebrity fan-out had not finished').toBeLessThan(expectedPages);
    expect(ordinaryMs).toBeLessThan(ordinaryBoundMs);

    await waitFor(async () => ((await fansWith(fans.ids, id)) === fans.ids.length ? true : undefined), {
      timeoutMs: 60_000,
      intervalMs: 200,
      what: 'the celebrity post in all 600 feeds',
    });
    await waitFor(async () => (bulk.pages(id).length >= expectedPages ? true : undefined), {
      timeoutMs: 10_000,
      what: 'every bulk page seen',
    });
    const cursors = bulk.pages(id).map((e) => BigInt(e.after ?? '-1'));
    expect(cursors).toHaveLength(expectedPages);
    expect(cursors[0]).toBe(0n);
    for (let i = 1; i < cursors.length; i++) expect(cursors[i]! > cursors[i - 1]!).toBe(true);
    expect(bulk.pages(ordinary)).toEqual([]);
    await bulk.close();
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
