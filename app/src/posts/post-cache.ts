import type { Redis } from 'ioredis';
import type { Post } from './schemas.ts';

const key = (id: string) => `post:${id}`;
const ttlSeconds = 86_400;

/** Post bodies by id, so a feed page is one MGET; every method is best effort (MySQL has the truth). */
export class PostCache {
  constructor(private readonly redis: Redis) {}

  async getMany(ids: string[]): Promise<Map<string, Post>> {
    const out = new Map<string, Post>();
    if (ids.length === 0) return out;
    try {
      const values = await this.redis.mget(ids.map(key));
      values.forEach((value, i) => {
        if (value) out.set(ids[i]!, JSON.parse(value) as Post);
      });
    } catch {
      // Redis away: the caller reads MySQL for everything.
    }
    return out;
  }

  async setMany(posts: Post[]): Promise<void> {
    if (posts.length === 0) return;
    const batch = this.redis.pipeline();
    for (const post of posts) batch.set(key(post.id), JSON.stringify(post), 'EX', ttlSeconds);
    await batch.exec().catch(() => {});
  }

  async delete(id: string): Promise<void> {
    await this.redis.del(key(id)).catch(() => {});
  }
}
