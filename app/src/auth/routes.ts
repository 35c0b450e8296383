import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, RawServerDefault } from 'fastify';
import { bearer, responses } from '../platform/http.ts';
import type { TypeBoxProvider } from '../platform/typebox.ts';
import { requireUser } from './plugin.ts';
import type { AuthService } from './service.ts';

const Token = Type.Object({ token: Type.String({ examples: ['1.0.1735689600.q0x...'] }) });
const Secret = Type.String({ minLength: 1, maxLength: 128 });

export interface AuthRoutesOptions {
  auth: AuthService;
}

const limits =
  'Limited per client address (all login paths together) and per account (exponential back-off after ' +
  'a few failures): 429 with Retry-After.';

export const authRoutes: FastifyPluginAsync<AuthRoutesOptions, RawServerDefault, TypeBoxProvider> = async (
  app,
  { auth },
) => {
  app.post(
    '/login',
    {
      schema: {
        tags: ['auth'],
        description: `Log in with the user id and password; the token goes in \`Authorization: Bearer\`. ${limits}`,
        body: Type.Object({ id: Type.String({ minLength: 1, maxLength: 40 }), password: Secret }),
        response: responses(Token, 400, 404, 429),
      },
    },
    async (request) => ({
      token: (await auth.loginById(request.body.id, request.body.password, request.ip)).token,
    }),
  );

  app.post(
    '/login/email',
    {
      schema: {
        tags: ['auth'],
        description: `Added: log in with the email given at registration. ${limits}`,
        body: Type.Object({ email: Type.String({ minLength: 3, maxLength: 254 }), password: Secret }),
        response: responses(Token, 400, 404, 429),
      },
    },
    async (request) => ({
      token: (await auth.loginByEmail(request.body.email, request.body.password, request.ip)).token,
    }),
  );

  app.post(
    '/logout/all',
    {
      onRequest: requireUser(auth),
      schema: {
        tags: ['auth'],
        security: bearer,
        description:
          'Added: sign out everywhere. Every token and web session of the caller ends, this token too ' +
          '(on other app instances within a few seconds).',
        response: responses(null, 401),
      },
    },
    async (request, reply) => {
      await auth.revokeAll(request.userId);
      return reply.send();
    },
  );
};
