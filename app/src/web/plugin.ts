import cookie from '@fastify/cookie';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../platform/errors.ts';
import { assetRoutes } from './assets.ts';
import { setSessionCookie, type Web } from './context.ts';
import { sendErrorPage } from './errors.ts';
import { field, parseForm } from './forms.ts';
import type { WebOptions } from './options.ts';
import { authPages } from './pages/auth.ts';
import { chatPages } from './pages/chats.ts';
import { feedPages } from './pages/feed.ts';
import { livePages } from './pages/live.ts';
import { peoplePages } from './pages/people.ts';
import { profilePages } from './pages/profile.ts';
import { isSid, newSid, Sessions, sessionCookie } from './session.ts';

// No inline script or style anywhere, so the policy can forbid both: injected markup cannot run.
const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "object-src 'none'",
].join('; ');

async function securityHeaders(_request: FastifyRequest, reply: FastifyReply) {
  reply.header('content-security-policy', contentSecurityPolicy);
  reply.header('x-content-type-options', 'nosniff');
  reply.header('referrer-policy', 'same-origin');
  reply.header('x-frame-options', 'DENY');
}

const forbidden = () => new AppError('FORBIDDEN', 'cross-site or expired form');

/** Forms count only from our own pages: same origin (when the browser says) and the session's token. */
function csrfCheck(web: Web) {
  return async (request: FastifyRequest): Promise<void> => {
    if (request.method === 'GET' || request.method === 'HEAD') return;
    const origin = request.headers.origin;
    if (origin !== undefined && origin !== `${request.protocol}://${request.host}`) throw forbidden();
    const site = request.headers['sec-fetch-site'];
    if (site === 'cross-site' || site === 'same-site') throw forbidden();
    if (!web.sessions.checkCsrf(request.web.sid, field(request.body, '_csrf'))) throw forbidden();
  };
}

function sessionLoader(web: Web) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const given = request.cookies[sessionCookie];
    if (isSid(given)) {
      const user = await web.sessions.userOf(given);
      // A session of an older generation (password changed, signed out everywhere) is signed out.
      const current = user !== undefined && (await web.auth.isCurrent(user.userId, user.generation));
      if (user !== undefined && !current) await web.sessions.destroy(given);
      request.web = {
        sid: given,
        userId: current ? user.userId : undefined,
        csrf: web.sessions.csrfToken(given),
      };
      return;
    }
    const sid = newSid();
    setSessionCookie(request, reply, sid);
    request.web = { sid, userId: undefined, csrf: web.sessions.csrfToken(sid) };
  };
}

/**
 * The web interface at `/`: server-rendered pages over the app's services, a browser session in an
 * HttpOnly cookie, CSRF-checked forms, and one small script for the live parts. Encapsulated: its
 * form parser, error pages and hooks apply to its own routes only, the JSON API is untouched.
 */
export const webPages: FastifyPluginAsync<WebOptions> = async (app, options) => {
  const web: Web = {
    ...options,
    sessions: new Sessions(options.redis, options.secret, options.sessionTtlSeconds ?? 14 * 86_400),
  };
  await app.register(cookie);
  app.decorateRequest('web', null as never);
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer' }, parseForm);
  app.setErrorHandler((error: Error, request, reply) => sendErrorPage(request, reply, error));
  app.addHook('onSend', securityHeaders);
  // Pages are not API: they stay out of /openapi.json.
  app.addHook('onRoute', (route) => {
    route.schema = { ...route.schema, hide: true };
  });
  assetRoutes(app);

  await app.register(async (pages: FastifyInstance) => {
    pages.addHook('onRequest', sessionLoader(web));
    pages.addHook('preValidation', csrfCheck(web));
    authPages(pages, web);
    feedPages(pages, web);
    profilePages(pages, web);
    peoplePages(pages, web);
    chatPages(pages, web);
    livePages(pages, web);
  });
};
