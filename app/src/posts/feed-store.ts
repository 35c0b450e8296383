import type { Redis } from 'ioredis';

const key = (userId: string) => `feed:${userId}`;
/** Marks a built feed, so an empty one is told apart from one Redis never had or lost (score 0, always last). */
const sentinel = '0';
const idleTtlSeconds = 7 * 86_400;

// Adds a post only to feeds that exist: a missing feed is rebuilt from MySQL when its owner reads it,
// so fan-out never creates a partial one. Keeps the sentinel plus the newest ARGV[2] posts.
const pushScript = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[1])
redis.call('ZREMRANGEBYRANK', KEYS[1], 1, -(tonumber(ARGV[2]) + 2))
return 1`;

type FeedRedis = Redis & { feedPush(key: string, postId: string, size: number): Promise<number> };

/** Each user's feed in Redis: a sorted set of the newest post ids of the people they follow. */
export class FeedStore {
  private readonly redis: FeedRedis;

  constructor(
    redis: Redis,
    readonly size: number,
  ) {
    redis.defineCommand('feedPush', { numberOfKeys: 1, lua: pushScript });
    this.redis = redis as FeedRedis;
  }

  /** Post ids newest first, or undefined when the feed is not in Redis (never built, expired or lost). */
  async page(userId: string, offset: number, limit: number): Promise<string[] | undefined> {
    const k = key(userId);
    const [[, exists], [, ids]] = (await this.redis
      .multi()
      .exists(k)
      .zrevrange(k, offset, offset + limit - 1)
      .expire(k, idleTtlSeconds)
      .exec()) as [[Error | null, number], [Error | null, string[]]];
    if (exists === 0) return undefined;
    return ids.filter((id) => id !== sentinel);
  }

  async build(userId: string, postIds: string[]): Promise<void> {
    const k = key(userId);
    const members = postIds.slice(0, this.size).flatMap((id) => [id, id]);
    await this.redis
      .multi()
      .del(k)
      .zadd(k, 0, sentinel, ...members)
      .expire(k, idleTtlSeconds)
      .exec();
  }

  async push(userIds: string[], postId: string): Promise<void> {
    if (userIds.length === 0) return;
    const batch = this.redis.pipeline();
    for (const userId of userIds) (batch as unknown as FeedRedis).feedPush(key(userId), postId, this.size);
    await batch.exec();
  }

  async remove(userIds: string[], postId: string): Promise<void> {
    if (userIds.length === 0) return;
    const batch = this.redis.pipeline();
    for (const userId of userIds) batch.zrem(key(userId), postId);
    await batch.exec();
  }

  /** The feed is rebuilt at its owner's next read (after a friend was added or removed). */
  async invalidate(userId: string): Promise<void> {
    await this.redis.del(key(userId));
  }
}
