import { Redis } from 'ioredis';
import type { AppConfig } from './config.ts';

/**
 * Redis holds only what can be rebuilt from MySQL (feeds, unread counters, post cache), so commands
 * fail fast while it is away instead of queueing: callers fall back to MySQL or skip the cache.
 */
export function openRedis(config: AppConfig['redis']): Redis {
  const redis = new Redis({
    host: config.host,
    port: config.port,
    password: config.password,
    db: config.db,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: 1000,
    connectTimeout: 2000,
    lazyConnect: false,
    retryStrategy: (attempt) => Math.min(200 * attempt, 2000),
  });
  // Connection errors are retried by ioredis; without a listener each one would be an unhandled 'error'.
  redis.on('error', () => {});
  return redis;
}

export async function redisReady(redis: Redis): Promise<boolean> {
  try {
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  }
}
