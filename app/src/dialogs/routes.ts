import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, RawServerDefault } from 'fastify';
import { type Authenticator, requireUser } from '../auth/plugin.ts';
import type { UnreadCounters } from '../counters/service.ts';
import { bearer, responses } from '../platform/http.ts';
import { IdString, UserIdParam } from '../platform/ids.ts';
import type { TypeBoxProvider } from '../platform/typebox.ts';
import { ChatSummary, DialogMessage, MessageText, UnreadCounts } from './schemas.ts';
import type { DialogsService } from './service.ts';

export interface DialogsRoutesOptions {
  dialogs: DialogsService;
  counters: UnreadCounters;
  authenticator: Authenticator;
}

export const dialogsRoutes: FastifyPluginAsync<
  DialogsRoutesOptions,
  RawServerDefault,
  TypeBoxProvider
> = async (app, { dialogs, counters, authenticator }) => {
  const auth = { onRequest: requireUser(authenticator) };

  app.post(
    '/dialog/:user_id/send',
    {
      ...auth,
      schema: {
        tags: ['dialogs'],
        security: bearer,
        description: 'Send a message to user_id.',
        params: UserIdParam,
        body: Type.Object({ text: MessageText }),
        response: responses(null, 400, 401, 404),
      },
    },
    async (request, reply) => {
      await dialogs.send(request.userId, request.params.user_id, request.body.text);
      return reply.send();
    },
  );

  app.get(
    '/dialog/:user_id/list',
    {
      ...auth,
      schema: {
        tags: ['dialogs'],
        security: bearer,
        description:
          'The dialog between the caller and user_id, oldest first; reading the newest page marks it read. ' +
          '`limit` (default 100) and `before` (a message id, for older pages) are additions to the contract.',
        params: UserIdParam,
        querystring: Type.Object({
          limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
          before: Type.Optional(IdString),
        }),
        response: responses(Type.Array(Type.Ref(DialogMessage)), 400, 401, 404),
      },
    },
    async (request) =>
      dialogs.list(request.userId, request.params.user_id, request.query.before, request.query.limit),
  );

  app.put(
    '/dialog/:user_id/read',
    {
      ...auth,
      schema: {
        tags: ['dialogs'],
        security: bearer,
        description: 'Added: mark every message from user_id as read.',
        params: UserIdParam,
        response: responses(null, 400, 401, 404),
      },
    },
    async (request, reply) => {
      await dialogs.markAllRead(request.userId, request.params.user_id);
      return reply.send();
    },
  );

  app.get(
    '/dialog/list',
    {
      ...auth,
      schema: {
        tags: ['dialogs'],
        security: bearer,
        description:
          "Added: the caller's dialogs with their last message and unread count, most recent first.",
        querystring: Type.Object({
          limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
          before: Type.Optional(IdString),
        }),
        response: responses(Type.Array(ChatSummary), 400, 401),
      },
    },
    async (request) => dialogs.summaries(request.userId, request.query.before, request.query.limit),
  );

  app.get(
    '/dialog/unread',
    {
      ...auth,
      schema: {
        tags: ['dialogs'],
        security: bearer,
        description: 'Added: unread message counts, in total and per peer.',
        response: responses(UnreadCounts, 401),
      },
    },
    async (request) => counters.forUser(request.userId),
  );
};
