import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../platform/errors.ts';
import type { DialogSocket } from '../../posts/live.ts';
import { me, type Web } from '../context.ts';

/** Script endpoints answer a missing session with a status, not a redirect to a page. */
async function signedInOrStatus(request: FastifyRequest, reply: FastifyReply) {
  if (!request.web.userId)
    return reply.code(401).header('cache-control', 'no-store').send({ signed_in: false });
}

/** A WebSocket is not covered by the same-origin policy: only our own pages may open one. */
async function sameOrigin(request: FastifyRequest) {
  if (request.headers.origin !== `${request.protocol}://${request.host}`)
    throw new AppError('FORBIDDEN', 'cross-site WebSocket');
}

const LiveQuery = Type.Object({ posts: Type.Optional(Type.Literal('1')) });

export function livePages(app: FastifyInstance, web: Web): void {
  /**
   * Unread counts as JSON: the page script's fallback while its socket is down (then polled slowly);
   * with the socket up the counts come by push. Redis only, cheap.
   */
  app.get('/web/unread', { preHandler: signedInOrStatus, logLevel: 'warn' }, async (request, reply) => {
    const counts = await web.counters.forUser(me(request));
    return reply.header('cache-control', 'no-store').send(counts);
  });

  /**
   * The signed-in session's socket, on every page: the unread counts whenever one of the user's
   * dialogs changes (`{type: 'unread', peer, total, dialogs}`, pushed by DialogsService through the
   * live hub from any instance), and with `?posts=1` (the feed page) friends' new posts as well.
   */
  app.get<{ Querystring: { posts?: '1' } }>(
    '/web/live',
    {
      websocket: true,
      preValidation: sameOrigin,
      preHandler: signedInOrStatus,
      schema: { querystring: LiveQuery },
    },
    async (socket, request) => {
      const userId = me(request);
      if (!web.sockets.admit(userId, socket)) return;
      const posts = request.query.posts === '1';
      // One after another, so a slow read never overtakes a newer one with older counts.
      let pushing: Promise<void> = Promise.resolve();
      const pushUnread = (peer?: string) => {
        pushing = pushing.then(async () => {
          try {
            const counts = await web.counters.forUser(userId);
            if (socket.readyState === socket.OPEN)
              socket.send(JSON.stringify({ type: 'unread', peer, ...counts }));
          } catch (error) {
            // Redis away: the page keeps its badges and polls again once the socket is back.
            request.log.warn({ err: (error as Error).message }, 'unread counts not pushed');
          }
        });
      };
      const dialogs: DialogSocket = {
        send: (data) => socket.send(data),
        get readyState() {
          return socket.readyState;
        },
        dialogChanged: (peer) => pushUnread(peer),
      };
      const leave = () => {
        web.live.disconnectDialogs(userId, dialogs);
        if (posts) web.live.disconnect(userId, socket);
      };
      socket.on('close', leave);
      web.live.connectDialogs(userId, dialogs);
      if (posts) await web.live.connect(userId, socket);
      if (socket.readyState !== socket.OPEN) {
        leave();
        return;
      }
      // From here on the hub delivers this user's events: tells the page (and its tests) it is live,
      // then the counts as they are now (what changed while the socket was down).
      socket.send(JSON.stringify({ type: 'ready' }));
      pushUnread();
    },
  );
}
