import type { FastifyBaseLogger } from 'fastify';
import { badRequest, notFound } from '../platform/errors.ts';
import type { FeedStore } from '../posts/feed-store.ts';
import type { LiveHub } from '../posts/live.ts';
import type { UsersRepository } from '../users/repository.ts';
import type { FriendsRepository } from './repository.ts';

export class FriendsService {
  constructor(
    private readonly friends: FriendsRepository,
    private readonly users: UsersRepository,
    private readonly feeds: FeedStore,
    private readonly live: LiveHub,
    private readonly log: FastifyBaseLogger,
  ) {}

  async set(userId: string, friendId: string): Promise<void> {
    if (userId === friendId) throw badRequest('a user cannot be their own friend');
    if (!(await this.users.exists(friendId))) throw notFound('user');
    if (await this.friends.add(userId, friendId)) await this.changed(userId);
  }

  async delete(userId: string, friendId: string): Promise<void> {
    if (userId === friendId) throw badRequest('a user cannot be their own friend');
    if (!(await this.users.exists(friendId))) throw notFound('user');
    if (await this.friends.remove(userId, friendId)) await this.changed(userId);
  }

  async list(userId: string, after: string | undefined, limit: number): Promise<string[]> {
    return this.friends.friendsPage(userId, after, limit);
  }

  /**
   * The caller's feed is dropped and rebuilt from MySQL at their next read, so the new friend's posts
   * (or the removed one's absence) show at once; their live sockets reload whom to listen to.
   */
  private async changed(userId: string): Promise<void> {
    await this.feeds.invalidate(userId).catch((error: unknown) => {
      this.log.warn(
        { err: (error as Error).message, user: userId },
        'feed not invalidated: Redis unavailable',
      );
    });
    await this.live.publishFriendsChanged(userId).catch(() => {});
  }
}
