import type { Writable } from 'node:stream';
import websocket from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import { TokenGenerations } from './auth/generations.ts';
import { FallbackLimitStore, MemoryLimitStore, RedisLimitStore } from './auth/limit-store.ts';
import { LoginLimits } from './auth/login-limits.ts';
import { TokenGenerationRepository } from './auth/repository.ts';
import { authRoutes } from './auth/routes.ts';
import { AuthService } from './auth/service.ts';
import { TokenSigner } from './auth/tokens.ts';
import { UnreadCounters } from './counters/service.ts';
import { UnreadStore } from './counters/unread-store.ts';
import { ChatRepository } from './dialogs/chat-repository.ts';
import { MessageRepository } from './dialogs/message-repository.ts';
import { dialogsRoutes } from './dialogs/routes.ts';
import { DialogMessage } from './dialogs/schemas.ts';
import { DialogsService } from './dialogs/service.ts';
import { FriendsRepository } from './friends/repository.ts';
import { friendsRoutes } from './friends/routes.ts';
import { FriendsService } from './friends/service.ts';
import { healthRoutes } from './health/routes.ts';
import { Broker } from './platform/amqp.ts';
import type { AppConfig } from './platform/config.ts';
import { openDatabases } from './platform/db.ts';
import { createHttpApp } from './platform/http-app.ts';
import { idempotency } from './platform/idempotency.ts';
import { IdGenerator } from './platform/ids.ts';
import { AppMetrics } from './platform/metrics.ts';
import { registerOpenApi } from './platform/openapi.ts';
import { openRedis } from './platform/redis.ts';
import { SocketGuard } from './platform/websocket.ts';
import { Fanout } from './posts/fanout.ts';
import { FeedService } from './posts/feed-service.ts';
import { FeedStore } from './posts/feed-store.ts';
import { LiveHub } from './posts/live.ts';
import { PostCache } from './posts/post-cache.ts';
import { PostsRepository } from './posts/repository.ts';
import { postsRoutes } from './posts/routes.ts';
import { Post } from './posts/schemas.ts';
import { PostsService } from './posts/service.ts';
import { searchRoutes } from './search/routes.ts';
import { SearchService } from './search/service.ts';
import { TarantoolSearchService } from './search/tarantool-search.ts';
import { UsersRepository } from './users/repository.ts';
import { usersRoutes } from './users/routes.ts';
import { User } from './users/schemas.ts';
import { UsersService } from './users/service.ts';
import { webPages } from './web/plugin.ts';

export interface BuildOptions {
  /** Logger settings; tests pass false. */
  logger?: boolean;
  /** Where the log lines go (platform/logging.ts openLogFile); stdout without it. */
  logStream?: Writable;
  /** How long to wait for RabbitMQ at start. */
  brokerTimeoutMs?: number;
  /** Where the app's metrics go; main.ts serves this registry on the metrics port. A fresh one without it. */
  metrics?: AppMetrics;
}

/**
 * The composition root: opens MySQL (master, slaves, chat), Redis and RabbitMQ, wires each domain's
 * repository, service and routes, and closes everything again on app.close(). Each domain registers
 * its own routes, so another (the web pages at `/`) is one more register call.
 */
export async function buildApp(config: AppConfig, options: BuildOptions = {}): Promise<FastifyInstance> {
  const metrics = options.metrics ?? new AppMetrics();
  const app = await createHttpApp(config, { ...options, metrics });
  for (const schema of [User, Post, DialogMessage]) app.addSchema(schema);
  await registerOpenApi(app);

  const db = openDatabases(config, app.log);
  const redis = openRedis(config.redis);
  const broker = new Broker(config.rabbitmq.url, app.log);
  const sockets = new SocketGuard(config.websocket.maxPerUser, config.websocket.pingIntervalMs);
  broker.observeDeliveries((queue, seconds) => metrics.deliveryDelay.observe({ queue }, seconds));
  metrics.watch({
    pools: () => db.poolUse(),
    redisUp: () => redis.status === 'ready',
    rabbitmqUp: () => broker.connected,
    queueDepths: () => broker.queueDepths(),
    websockets: () => sockets.open,
  });
  app.addHook('onClose', async () => {
    sockets.stop();
    await broker.close();
    counters.close();
    redis.disconnect();
    await db.close();
  });

  await app.register(websocket, { options: { maxPayload: 4096 } });

  const tokens = new TokenSigner(config.auth.tokenSecret, config.auth.tokenTtlSeconds);
  const ids = new IdGenerator(config.instanceId);

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
    { celebrityFollowers: config.feed.celebrityFollowers, pageSize: config.feed.fanoutPageSize },
    app.log,
  );
  const live = new LiveHub(config.rabbitmq.prefix, broker, friendsRepo, app.log);
  fanout.register();
  live.register();

  const posts = new PostsService(postsRepo, new PostCache(redis), fanout, live, app.log);
  const feed = new FeedService(feeds, postsRepo, posts, app.log);
  const counters = new UnreadCounters(new UnreadStore(redis), chats, messages, app.log, () =>
    metrics.unreadRebuilds.inc(),
  );
  const dialogs = new DialogsService(chats, messages, usersRepo, counters, ids, live, app.log);

  const generations = new TokenGenerations(new TokenGenerationRepository(db), config.auth.generationCacheMs);
  const limits = new LoginLimits(
    new FallbackLimitStore(new RedisLimitStore(redis), new MemoryLimitStore(), app.log),
    config.auth.limits,
  );
  const auth = new AuthService(usersRepo, tokens, generations, limits);
  const users = new UsersService(usersRepo, auth, limits);
  const search = new SearchService(usersRepo, config.searchShape);
  const friends = new FriendsService(friendsRepo, usersRepo, feeds, live, app.log);

  await app.register(healthRoutes, { db, redis, broker });
  await app.register(authRoutes, { auth });
  // The API's writes take an Idempotency-Key (platform/idempotency.ts). Not the logins (in authRoutes): their
  // answer is a token, which Redis should not keep, and a login repeated is harmless.
  await app.register(async (writes) => {
    await writes.register(idempotency, { redis });
    await writes.register(usersRoutes, { users, authenticator: auth });
    await writes.register(postsRoutes, { posts, feed, live, authenticator: auth, users, sockets });
    await writes.register(dialogsRoutes, { dialogs, counters, authenticator: auth });
  });
  // SEARCH_BACKEND=tarantool answers /user/search from the Tarantool replica (the seed's Tarantool search
  // page); the web pages keep MySQL, whose search also pages by keyset.
  const apiSearch =
    config.search.backend === 'tarantool' ? new TarantoolSearchService(config.search.tarantool) : search;
  if (apiSearch instanceof TarantoolSearchService) app.addHook('onClose', () => apiSearch.close());
  await app.register(searchRoutes, { search: apiSearch });
  await app.register(friendsRoutes, { friends, authenticator: auth });
  // The web interface at / over the same services; the API's contract paths stay as they are.
  await app.register(webPages, {
    auth,
    users,
    search,
    friends,
    posts,
    feed,
    live,
    dialogs,
    counters,
    redis,
    sockets,
    secret: config.auth.tokenSecret,
  });

  try {
    await broker.start(options.brokerTimeoutMs ?? 30_000);
  } catch (error) {
    await app.close();
    throw error;
  }
  return app;
}
