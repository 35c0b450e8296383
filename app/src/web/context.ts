// reply.setCookie is declared by the cookie plugin's types.
import type {} from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../platform/errors.ts';
import type { SafeHtml } from './html.ts';
import { layout, type PageOptions, type Viewer } from './layout.ts';
import type { WebOptions } from './options.ts';
import { newSid, type Sessions, sessionCookie } from './session.ts';

export interface WebSession {
  sid: string;
  /** Set when the browser is signed in. */
  userId: string | undefined;
  csrf: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The browser session of a page request (set by the pages' onRequest hook). */
    web: WebSession;
  }
}

export interface Web extends WebOptions {
  sessions: Sessions;
}

export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, sid: string, ttl?: number) {
  reply.setCookie(sessionCookie, sid, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: request.protocol === 'https',
    ...(ttl === undefined ? {} : { maxAge: ttl }),
  });
}

/** Replaces the browser's session id with a new anonymous one (after sign-out). */
export function resetSession(web: Web, request: FastifyRequest, reply: FastifyReply): void {
  const sid = newSid();
  setSessionCookie(request, reply, sid);
  request.web = { sid, userId: undefined, csrf: web.sessions.csrfToken(sid) };
}

export function me(request: FastifyRequest): string {
  const id = request.web.userId;
  if (!id) throw new AppError('UNAUTHORIZED', 'not signed in');
  return id;
}

/** preHandler of pages that need a signed-in user: others go to sign-in and come back afterwards. */
export async function signedIn(request: FastifyRequest, reply: FastifyReply) {
  if (request.web.userId) return;
  const next = request.method === 'GET' ? `?next=${encodeURIComponent(request.url)}` : '';
  return reply.redirect(`/signin${next}`, 303);
}

/** Only local paths, so a crafted link cannot send someone to another site after sign-in. */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])[^\s]*$/.test(next) ? next : '/';
}

export const displayName = (u: { first_name: string; second_name: string }) =>
  `${u.first_name} ${u.second_name}`;

/** The header's data: who is signed in and their unread total. */
export async function viewer(web: Web, request: FastifyRequest): Promise<Viewer> {
  const id = me(request);
  const [user, unread] = await Promise.all([web.users.get(id), web.counters.forUser(id)]);
  return { id, name: displayName(user), unread: unread.total };
}

export function sendPage(
  reply: FastifyReply,
  options: Omit<PageOptions, 'csrf'> & { csrf?: string },
  content: SafeHtml,
  status = 200,
) {
  const csrf = options.csrf ?? reply.request.web.csrf;
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(layout({ ...options, csrf }, content));
}

export function sendFragment(reply: FastifyReply, content: SafeHtml) {
  return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(content.value);
}

/** Post/Redirect/Get: a reload after a form never sends it twice. */
export function seeOther(reply: FastifyReply, to: string) {
  return reply.redirect(to, 303);
}
