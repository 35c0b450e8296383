import type { FastifyBaseLogger } from 'fastify';
import type { FeedStore } from './feed-store.ts';
import type { PostsRepository } from './repository.ts';
import type { Post } from './schemas.ts';
import type { PostsService } from './service.ts';

/** /post/feed: the newest posts of whom the user follows, from Redis, rebuilt from MySQL when missing. */
export class FeedService {
  constructor(
    private readonly store: FeedStore,
    private readonly posts: PostsRepository,
    private readonly service: PostsService,
    private readonly log: FastifyBaseLogger,
  ) {}

  async page(userId: string, offset: number, limit: number): Promise<Post[]> {
    if (offset >= this.store.size) return [];
    const count = Math.min(limit, this.store.size - offset);
    return this.service.byIds(await this.ids(userId, offset, count));
  }

  private async ids(userId: string, offset: number, limit: number): Promise<string[]> {
    try {
      const cached = await this.store.page(userId, offset, limit);
      if (cached) return cached;
    } catch (error) {
      // Redis away: the page comes straight from MySQL, slower but right.
      this.log.warn({ err: (error as Error).message }, 'feed store unavailable, reading MySQL');
      return this.posts.feedIds(userId, limit, offset);
    }
    const all = await this.posts.feedIds(userId, this.store.size);
    await this.store.build(userId, all).catch((error: unknown) => {
      this.log.warn({ err: (error as Error).message }, 'feed rebuilt but not stored');
    });
    return all.slice(offset, offset + limit);
  }
}
