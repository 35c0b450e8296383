import type { Redis } from 'ioredis';
import type { AuthService } from '../auth/service.ts';
import type { UnreadCounters } from '../counters/service.ts';
import type { DialogsService } from '../dialogs/service.ts';
import type { FriendsService } from '../friends/service.ts';
import type { SocketGuard } from '../platform/websocket.ts';
import type { FeedService } from '../posts/feed-service.ts';
import type { LiveHub } from '../posts/live.ts';
import type { PostsService } from '../posts/service.ts';
import type { SearchService } from '../search/service.ts';
import type { UsersService } from '../users/service.ts';

/** The app's services the pages use: the same instances the API routes use (see buildApp). */
export interface WebServices {
  auth: AuthService;
  users: UsersService;
  search: SearchService;
  friends: FriendsService;
  posts: PostsService;
  feed: FeedService;
  live: LiveHub;
  dialogs: DialogsService;
  counters: UnreadCounters;
  redis: Redis;
  /** The per-user cap and keep-alive of every WebSocket, the API's and the pages'. */
  sockets: SocketGuard;
}

export interface WebOptions extends WebServices {
  /** Signs CSRF tokens; the app's token secret will do. */
  secret: string;
  /** How long an unused browser session lasts; default 14 days. */
  sessionTtlSeconds?: number;
}
