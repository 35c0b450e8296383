import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, RawServerDefault } from 'fastify';
import { type Authenticator, requireUser } from '../auth/plugin.ts';
import { bearer, responses } from '../platform/http.ts';
import { IdString, UserIdParam } from '../platform/ids.ts';
import type { TypeBoxProvider } from '../platform/typebox.ts';
import type { FriendsService } from './service.ts';

export const friendsRoutes: FastifyPluginAsync<
  { friends: FriendsService; authenticator: Authenticator },
  RawServerDefault,
  TypeBoxProvider
> = async (app, { friends, authenticator }) => {
  const auth = { onRequest: requireUser(authenticator) };

  app.put(
    '/friend/set/:user_id',
    {
      ...auth,
      schema: {
        tags: ['friends'],
        security: bearer,
        description:
          "The caller follows user_id: their posts appear in the caller's feed at once. Repeating it is harmless.",
        params: UserIdParam,
        response: responses(null, 400, 401, 404),
      },
    },
    async (request, reply) => {
      await friends.set(request.userId, request.params.user_id);
      return reply.send();
    },
  );

  app.put(
    '/friend/delete/:user_id',
    {
      ...auth,
      schema: {
        tags: ['friends'],
        security: bearer,
        params: UserIdParam,
        response: responses(null, 400, 401, 404),
      },
    },
    async (request, reply) => {
      await friends.delete(request.userId, request.params.user_id);
      return reply.send();
    },
  );

  app.get(
    '/friend/list',
    {
      ...auth,
      schema: {
        tags: ['friends'],
        security: bearer,
        description:
          'Added: ids of the users the caller set as friends, ascending; pass the last one as `after` for the next page.',
        querystring: Type.Object({
          after: Type.Optional(IdString),
          limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
        }),
        response: responses(Type.Array(IdString), 400, 401),
      },
    },
    async (request) => friends.list(request.userId, request.query.after, request.query.limit),
  );
};
