import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { RegisterBody } from '../../users/schemas.ts';
import { resetSession, safeNext, seeOther, sendPage, setSessionCookie, type Web } from '../context.ts';
import { type Form, formMessage, tidyForm, validationMessage } from '../forms.ts';
import { signinView, signupView } from '../views/auth.ts';

const SigninForm = Type.Object({
  login: Type.String({ minLength: 1, maxLength: 254 }),
  password: Type.String({ minLength: 1, maxLength: 128 }),
  next: Type.Optional(Type.String({ maxLength: 2000 })),
});

const flashes: Record<string, string> = {
  signedout: 'You are signed out.',
};

export function authPages(app: FastifyInstance, web: Web): void {
  const rateLimit = { max: web.loginRatePerMinute, timeWindow: 60_000 };

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
      config: { rateLimit },
      attachValidation: true,
      preValidation: tidyForm(['next'], ['password']),
      schema: { body: SigninForm },
    },
    async (request, reply) => {
      const values = { login: request.body?.login ?? '', next: safeNext(request.body?.next) };
      const again = (error: string) =>
        sendPage(reply, { title: 'Sign in' }, signinView(request.web.csrf, values, error), 400);
      if (request.validationError) return again(validationMessage(request.validationError));
      const { login, password } = request.body;
      let token: string;
      try {
        token = /^\d+$/.test(login)
          ? await web.auth.loginById(login, password)
          : await web.auth.loginByEmail(login, password);
      } catch (error) {
        if ((error as { kind?: string }).kind === 'LOGIN_FAILED')
          return again('The email, user id or password is wrong.');
        return again(formMessage(error));
      }
      const userId = web.tokens.verify(token)!;
      const sid = await web.sessions.create(userId);
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
      config: { rateLimit },
      attachValidation: true,
      preValidation: tidyForm(['gender', 'city', 'biography', 'email']),
      schema: { body: RegisterBody },
    },
    async (request, reply) => {
      const values = { ...(request.body as unknown as Form), password: '' };
      const again = (error: string) =>
        sendPage(reply, { title: 'Sign up' }, signupView(request.web.csrf, values, error), 400);
      if (request.validationError) return again(validationMessage(request.validationError));
      let userId: string;
      try {
        userId = await web.users.register(request.body);
      } catch (error) {
        return again(formMessage(error));
      }
      const sid = await web.sessions.create(userId);
      setSessionCookie(request, reply, sid, web.sessions.ttlSeconds);
      return seeOther(reply, '/?done=welcome');
    },
  );

  app.post('/signout', async (request, reply) => {
    await web.sessions.destroy(request.web.sid);
    resetSession(web, request, reply);
    return seeOther(reply, '/signin?done=signedout');
  });
}
