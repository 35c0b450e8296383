import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, RawServerDefault } from 'fastify';
import { type Authenticator, requireUser } from '../auth/plugin.ts';
import { bearer, responses } from '../platform/http.ts';
import { IdParam, IdString, UserIdParam } from '../platform/ids.ts';
import type { TypeBoxProvider } from '../platform/typebox.ts';
import type { SocketGuard } from '../platform/websocket.ts';
import type { UsersService } from '../users/service.ts';
import type { FeedService } from './feed-service.ts';
import type { LiveHub } from './live.ts';
import { Post, PostText } from './schemas.ts';
import type { PostsService } from './service.ts';

export interface PostsRoutesOptions {
  posts: PostsService;
  feed: FeedService;
  live: LiveHub;
  authenticator: Authenticator;
  users: UsersService;
  sockets: SocketGuard;
}

export const postsRoutes: FastifyPluginAsync<PostsRoutesOptions, RawServerDefault, TypeBoxProvider> = async (
  app,
  { posts, feed, live, authenticator, users, sockets },
) => {
  const auth = { onRequest: requireUser(authenticator) };

  app.post(
    '/post/create',
    {
      ...auth,
      schema: {
        tags: ['posts'],
        security: bearer,
        body: Type.Object({ text: PostText }),
        response: responses(Type.String({ description: 'The new post id' }), 400, 401),
      },
    },
    // A bare string would go out as text; the contract's body is a JSON string.
    async (request, reply) =>
      reply
        .type('application/json; charset=utf-8')
        .send(JSON.stringify(await posts.create(request.userId, request.body.text))),
  );

  app.put(
    '/post/update',
    {
      ...auth,
      schema: {
        tags: ['posts'],
        security: bearer,
        description: "Only the author can update a post; another user's post answers 404.",
        body: Type.Object({ id: IdString, text: PostText }),
        response: responses(null, 400, 401, 404),
      },
    },
    async (request, reply) => {
      await posts.update(request.userId, request.body.id, request.body.text);
      return reply.send();
    },
  );

  app.put(
    '/post/delete/:id',
    {
      ...auth,
      schema: {
        tags: ['posts'],
        security: bearer,
        params: IdParam,
        response: responses(null, 400, 401, 404),
      },
    },
    async (request, reply) => {
      await posts.delete(request.userId, request.params.id);
      return reply.send();
    },
  );

  app.get(
    '/post/get/:id',
    { schema: { tags: ['posts'], params: IdParam, response: responses(Type.Ref(Post), 400, 404) } },
    async (request) => posts.get(request.params.id),
  );

  app.get(
    '/post/list/:user_id',
    {
      schema: {
        tags: ['posts'],
        description:
          "A user's posts, newest first; `before` (a post id) gives the next page: the posts older than it. " +
          'An addition to the contract.',
        params: UserIdParam,
        querystring: Type.Object({
          before: Type.Optional(IdString),
          limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
        }),
        response: responses(Type.Array(Type.Ref(Post)), 400, 404),
      },
    },
    async (request) => {
      const list = await posts.byAuthor(request.params.user_id, request.query.before, request.query.limit);
      // Nothing found: an unknown user is a 404, a user without (more) posts an empty page.
      if (list.length === 0) await users.get(request.params.user_id);
      return list;
    },
  );

  app.get(
    '/post/feed',
    {
      ...auth,
      schema: {
        tags: ['posts'],
        security: bearer,
        description: 'Posts of the users the caller set as friends, newest first (the newest 1000 are kept).',
        querystring: Type.Object({
          offset: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 }),
          limit: Type.Integer({ minimum: 1, maximum: 1000, default: 10 }),
        }),
        response: responses(Type.Array(Type.Ref(Post)), 400, 401),
      },
    },
    async (request) => feed.page(request.userId, request.query.offset, request.query.limit),
  );

  app.get(
    '/post/feed/posted',
    {
      websocket: true,
      onRequest: requireUser(authenticator, true),
      schema: {
        tags: ['posts'],
        security: bearer,
        description:
          'WebSocket: each new post of a friend as {postId, postText, author_user_id} (otus-asyncapi.json). ' +
          'The token goes in the Authorization header or, for browsers, in ?token=. At most a few sockets ' +
          'per user (WS_MAX_CONNECTIONS_PER_USER): one more is closed with code 4429. Idle sockets are ' +
          'pinged; one that does not answer is dropped.',
      },
    },
    async (socket, request) => {
      const userId = request.userId;
      if (!sockets.admit(userId, socket)) return;
      socket.on('close', () => live.disconnect(userId, socket));
      await live.connect(userId, socket);
      // Closed while the friend list loaded: 'close' already ran, so take it out again.
      if (socket.readyState !== socket.OPEN) live.disconnect(userId, socket);
    },
  );
};
