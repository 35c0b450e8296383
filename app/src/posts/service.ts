import type { FastifyBaseLogger } from 'fastify';
import { notFound } from '../platform/errors.ts';
import type { Fanout } from './fanout.ts';
import type { LiveHub } from './live.ts';
import type { PostCache } from './post-cache.ts';
import type { PostsRepository } from './repository.ts';
import type { Post } from './schemas.ts';

export class PostsService {
  constructor(
    private readonly posts: PostsRepository,
    private readonly cache: PostCache,
    private readonly fanout: Fanout,
    private readonly live: LiveHub,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** Saved on the master, then handed to fan-out and live delivery: returns without waiting for either. */
  async create(authorId: string, text: string): Promise<string> {
    const id = await this.posts.insert(authorId, text);
    await this.cache.setMany([{ id, text, author_user_id: authorId }]);
    await this.fanout.dispatch({ kind: 'created', postId: id, authorId });
    await this.live
      .publishPost({ postId: id, postText: text, author_user_id: authorId })
      .catch((error: unknown) => {
        this.log.warn(
          { err: (error as Error).message, post: id },
          'live delivery skipped: broker unavailable',
        );
      });
    return id;
  }

  /** Feeds hold ids only, so replacing the cached body updates the post in every feed at once. */
  async update(authorId: string, id: string, text: string): Promise<void> {
    if (!(await this.posts.update(id, authorId, text))) throw notFound('post');
    await this.cache.setMany([{ id, text, author_user_id: authorId }]);
  }

  async delete(authorId: string, id: string): Promise<void> {
    if (!(await this.posts.delete(id, authorId))) throw notFound('post');
    await this.cache.delete(id);
    await this.fanout.dispatch({ kind: 'deleted', postId: id, authorId });
  }

  async get(id: string): Promise<Post> {
    const [post] = await this.byIds([id]);
    if (!post) throw notFound('post');
    return post;
  }

  /**
   * An author's posts, newest first, older than `beforeId` when given (keyset pages). `fresh` reads
   * the master, for authors looking at their own posts right after a change.
   */
  async byAuthor(
    authorId: string,
    beforeId: string | undefined,
    limit: number,
    options: { fresh?: boolean } = {},
  ): Promise<Post[]> {
    return this.posts.byAuthor(authorId, beforeId, limit, options.fresh ?? false);
  }

  /** Posts in the order of the ids, from the cache or MySQL; ids of deleted posts are dropped. */
  async byIds(ids: string[]): Promise<Post[]> {
    const cached = await this.cache.getMany(ids);
    const missing = ids.filter((id) => !cached.has(id));
    if (missing.length > 0) {
      const loaded = await this.posts.findByIds(missing);
      for (const post of loaded) cached.set(post.id, post);
      await this.cache.setMany(loaded);
    }
    return ids.flatMap((id) => cached.get(id) ?? []);
  }
}
