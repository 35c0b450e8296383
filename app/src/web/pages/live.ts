import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../platform/errors.ts';
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

export function livePages(app: FastifyInstance, web: Web): void {
  /** Unread counts for the header and chat badges; the pages' script polls it (Redis only, cheap). */
  app.get('/web/unread', { preHandler: signedInOrStatus, logLevel: 'warn' }, async (request, reply) => {
    const counts = await web.counters.forUser(me(request));
    return reply.header('cache-control', 'no-store').send(counts);
  });

  /** New posts of friends for the open feed page: the app's live hub, with the browser's session. */
  app.get(
    '/web/live',
    { websocket: true, preValidation: sameOrigin, preHandler: signedInOrStatus },
    async (socket, request) => {
      const userId = me(request);
      socket.on('close', () => web.live.disconnect(userId, socket));
      await web.live.connect(userId, socket);
      if (socket.readyState !== socket.OPEN) {
        web.live.disconnect(userId, socket);
        return;
      }
      // From here on the hub knows whom this user follows: tells the page (and its tests) it is live.
      socket.send(JSON.stringify({ type: 'ready' }));
    },
  );
}
