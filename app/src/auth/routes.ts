import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, RawServerDefault } from 'fastify';
import { responses } from '../platform/http.ts';
import type { TypeBoxProvider } from '../platform/typebox.ts';
import type { AuthService } from './service.ts';

const Token = Type.Object({ token: Type.String({ examples: ['1.1735689600.q0x...'] }) });
const Secret = Type.String({ minLength: 1, maxLength: 128 });

export interface AuthRoutesOptions {
  auth: AuthService;
  /** Attempts per client address per minute on each login path. */
  ratePerMinute: number;
}

export const authRoutes: FastifyPluginAsync<AuthRoutesOptions, RawServerDefault, TypeBoxProvider> = async (
  app,
  { auth, ratePerMinute },
) => {
  const rateLimit = { max: ratePerMinute, timeWindow: 60_000 };

  app.post(
    '/login',
    {
      config: { rateLimit },
      schema: {
        tags: ['auth'],
        description: 'Log in with the user id and password; the token goes in `Authorization: Bearer`.',
        body: Type.Object({ id: Type.String({ minLength: 1, maxLength: 40 }), password: Secret }),
        response: responses(Token, 400, 404, 429),
      },
    },
    async (request) => ({ token: await auth.loginById(request.body.id, request.body.password) }),
  );

  app.post(
    '/login/email',
    {
      config: { rateLimit },
      schema: {
        tags: ['auth'],
        description: 'Added: log in with the email given at registration.',
        body: Type.Object({ email: Type.String({ minLength: 3, maxLength: 254 }), password: Secret }),
        response: responses(Token, 400, 404, 429),
      },
    },
    async (request) => ({ token: await auth.loginByEmail(request.body.email, request.body.password) }),
  );
};
