import type { Redis } from 'ioredis';

const key = (userId: string) => `web:own-posts:${userId}`;
const kept = 100;

/**
 * The newest posts a user wrote through the pages, so "your posts" can list them for editing. A stopgap:
 * the posts domain has no by-author query yet (asked for); deleted ids are dropped by PostsService.byIds.
 */
export class OwnPosts {
  constructor(private readonly redis: Redis) {}

  async add(userId: string, postId: string): Promise<void> {
    await this.redis
      .multi()
      .lpush(key(userId), postId)
      .ltrim(key(userId), 0, kept - 1)
      .exec()
      .catch(() => {});
  }

  async newest(userId: string, limit: number): Promise<string[]> {
    return this.redis.lrange(key(userId), 0, limit - 1).catch(() => []);
  }
}
