import type { FastifyInstance } from 'fastify';
import { AuthService } from '../src/auth/service.ts';
import { TokenSigner } from '../src/auth/tokens.ts';
import { UnreadCounters } from '../src/counters/service.ts';
import { UnreadStore } from '../src/counters/unread-store.ts';
import { ChatRepository } from '../src/dialogs/chat-repository.ts';
import { MessageRepository } from '../src/dialogs/message-repository.ts';
import { DialogsService } from '../src/dialogs/service.ts';
import { FriendsRepository } from '../src/friends/repository.ts';
import { FriendsService } from '../src/friends/service.ts';
import { Broker } from '../src/platform/amqp.ts';
import type { AppConfig } from '../src/platform/config.ts';
import { openDatabases } from '../src/platform/db.ts';
import { IdGenerator } from '../src/platform/ids.ts';
import { openRedis } from '../src/platform/redis.ts';
import { Fanout } from '../src/posts/fanout.ts';
import { FeedService } from '../src/posts/feed-service.ts';
import { FeedStore } from '../src/posts/feed-store.ts';
import { LiveHub } from '../src/posts/live.ts';
import { PostCache } from '../src/posts/post-cache.ts';
import { PostsRepository } from '../src/posts/repository.ts';
import { PostsService } from '../src/posts/service.ts';
import { SearchService } from '../src/search/service.ts';
import { UsersRepository } from '../src/users/repository.ts';
import { UsersService } from '../src/users/service.ts';
import { webPages } from '../src/web/plugin.ts';

/**
 * Adds the web pages to an app from buildApp, wired as buildApp wires its routes, until buildApp
 * registers them itself (then this does nothing). The services here are a second set on the
 * same MySQL, Redis and RabbitMQ, which is what a second app instance would be too.
 */
export async function addWebPages(app: FastifyInstance, config: AppConfig): Promise<void> {
  if (app.hasRoute({ method: 'GET', url: '/signin' })) return;
  const db = openDatabases(config, app.log);
  const redis = openRedis(config.redis);
  const broker = new Broker(config.rabbitmq.url, app.log);
  const tokens = new TokenSigner(config.auth.tokenSecret, config.auth.tokenTtlSeconds);
  // Another instance id than the API's services, as a second app instance would have.
  const ids = new IdGenerator((config.instanceId + 512) % 1024);
  const usersRepo = new UsersRepository(db);
  const friendsRepo = new FriendsRepository(db);
  const postsRepo = new PostsRepository(db);
  const chats = new ChatRepository(db);
  const messages = new MessageRepository(db);
  const feeds = new FeedStore(redis, config.feed.size);
  const fanout = new Fanout(
    config.rabbitmq.prefix,
    broker,
    friendsRepo,
    feeds,
    config.feed.celebrityFollowers,
    app.log,
  );
  const live = new LiveHub(config.rabbitmq.prefix, broker, friendsRepo, app.log);
  live.register();
  const posts = new PostsService(postsRepo, new PostCache(redis), fanout, live, app.log);
  const counters = new UnreadCounters(new UnreadStore(redis), chats, messages, app.log);
  app.addHook('onClose', async () => {
    await broker.close();
    counters.close();
    redis.disconnect();
    await db.close();
  });
  await broker.start(10_000);
  await new Promise<void>((resolve) =>
    redis.status === 'ready' ? resolve() : redis.once('ready', () => resolve()),
  );
  await app.register(webPages, {
    auth: new AuthService(usersRepo, tokens),
    tokens,
    users: new UsersService(usersRepo),
    search: new SearchService(usersRepo),
    friends: new FriendsService(friendsRepo, usersRepo, feeds, live, app.log),
    posts,
    feed: new FeedService(feeds, postsRepo, posts, app.log),
    live,
    dialogs: new DialogsService(chats, messages, usersRepo, counters, ids),
    counters,
    redis,
    secret: config.auth.tokenSecret,
    loginRatePerMinute: config.auth.loginRateLimitPerMinute,
  });
}
