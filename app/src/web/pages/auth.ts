import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Login } from '../../auth/service.ts';
import { AppError } from '../../platform/errors.ts';
import { RegisterBody } from '../../users/schemas.ts';
import {
  me,
  resetSession,
  safeNext,
  seeOther,
  sendPage,
  setSessionCookie,
  signedIn,
  type Web,
} from '../context.ts';
import { type Form, formMessage, tidyForm, validationMessage } from '../forms.ts';
import { signinView, signupView } from '../views/auth.ts';

const SigninForm = Type.Object({
  login: Type.String({ minLength: 1, maxLength: 254 }),
  password: Type.String({ minLength: 1, maxLength: 128 }),
  next: Type.Optional(Type.String({ maxLength: 2000 })),
});

const flashes: Record<string, string> = {
  signedout: 'You are signed out.',
  everywhere: 'You are signed out on every device.',
};

export function authPages(app: FastifyInstance, web: Web): void {
  app.get<{ Querystring: { next?: string; done?: string } }>('/signin', async (request, reply) => {
    if (request.web.userId) return seeOther(reply, '/');
    const flash = flashes[request.query.done ?? ''];
    return sendPage(
      reply,
      { title: 'Sign in', flash },
      signinView(request.web.csrf, { next: safeNext(request.query.next) }),
    );
  });

  app.post<{ Body: Static<typeof SigninForm> }>(
    '/signin',
    {
      attachValidation: true,
      preValidation: tidyForm(['next'], ['password']),
      schema: { body: SigninForm },
    },
    async (request, reply) => {
      const values = { login: request.body?.login ?? '', next: safeNext(request.body?.next) };
      const again = (error: string, status = 400) =>
        sendPage(reply, { title: 'Sign in' }, signinView(request.web.csrf, values, error), status);
      if (request.validationError) return again(validationMessage(request.validationError));
      const { login, password } = request.body;
      let signed: Login;
      try {
        signed = /^\d+$/.test(login)
          ? await web.auth.loginById(login, password, request.ip)
          : await web.auth.loginByEmail(login, password, request.ip);
      } catch (error) {
        if ((error as { kind?: string }).kind === 'LOGIN_FAILED')
          return again('The email, user id or password is wrong.');
        if (error instanceof AppError && error.kind === 'RATE_LIMITED') return limited(reply, error, again);
        return again(formMessage(error));
      }
      const sid = await web.sessions.create(signed);
      setSessionCookie(request, reply, sid, web.sessions.ttlSeconds);
      return seeOther(reply, values.next);
    },
  );

  app.get('/signup', async (request, reply) => {
    if (request.web.userId) return seeOther(reply, '/');
    return sendPage(reply, { title: 'Sign up' }, signupView(request.web.csrf, {}));
  });

  app.post<{ Body: RegisterBody }>(
    '/signup',
    {
      attachValidation: true,
      preValidation: tidyForm(['gender', 'city', 'biography', 'email']),
      schema: { body: RegisterBody },
    },
    async (request, reply) => {
      const values = { ...(request.body as unknown as Form), password: '' };
      const again = (error: string, status = 400) =>
        sendPage(reply, { title: 'Sign up' }, signupView(request.web.csrf, values, error), status);
      if (request.validationError) return again(validationMessage(request.validationError));
      let userId: string;
      try {
        userId = await web.users.register(request.body, request.ip);
      } catch (error) {
        if (error instanceof AppError && error.kind === 'RATE_LIMITED') return limited(reply, error, again);
        return again(formMessage(error));
      }
      const sid = await web.sessions.create(await web.auth.issue(userId));
      setSessionCookie(request, reply, sid, web.sessions.ttlSeconds);
      return seeOther(reply, '/?done=welcome');
    },
  );

  app.post('/signout', async (request, reply) => {
    await web.sessions.destroy(request.web.sid);
    resetSession(web, request, reply);
    return seeOther(reply, '/signin?done=signedout');
  });

  /** Ends every session and bearer token of the user, this browser's too. */
  app.post('/signout/everywhere', { preHandler: signedIn }, async (request, reply) => {
    await web.auth.revokeAll(me(request));
    await web.sessions.destroy(request.web.sid);
    resetSession(web, request, reply);
    return seeOther(reply, '/signin?done=everywhere');
  });
}

/** A rate-limited form: shown again with the limit's message, status 429 and Retry-After. */
function limited(reply: FastifyReply, error: AppError, again: (message: string, status: number) => unknown) {
  if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
  return again(formMessage(error), 429);
}
