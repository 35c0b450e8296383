import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, RawServerDefault } from 'fastify';
import { type Authenticator, requireUser } from '../auth/plugin.ts';
import { bearer, responses } from '../platform/http.ts';
import { IdParam } from '../platform/ids.ts';
import type { TypeBoxProvider } from '../platform/typebox.ts';
import { Profile, ProfileUpdateBody, RegisterBody, User } from './schemas.ts';
import type { UsersService } from './service.ts';

export interface UsersRoutesOptions {
  users: UsersService;
  authenticator: Authenticator;
}

export const usersRoutes: FastifyPluginAsync<UsersRoutesOptions, RawServerDefault, TypeBoxProvider> = async (
  app,
  { users, authenticator },
) => {
  app.post(
    '/user/register',
    {
      schema: {
        tags: ['users'],
        description:
          'Register a new user. `gender` and `email` are optional additions to the contract. ' +
          'Limited per client address (429 with Retry-After).',
        body: RegisterBody,
        response: responses(Type.Object({ user_id: Type.String() }), 400, 409, 429),
      },
    },
    async (request) => ({ user_id: await users.register(request.body, request.ip) }),
  );

  app.get(
    '/user/get/:id',
    {
      schema: {
        tags: ['users'],
        description: 'A user profile.',
        params: IdParam,
        response: responses(Type.Ref(User), 400, 404),
      },
    },
    async (request) => users.get(request.params.id),
  );

  const self = { onRequest: requireUser(authenticator) };

  app.get(
    '/user/me',
    {
      ...self,
      schema: {
        tags: ['users'],
        description: "Added: the caller's own profile.",
        security: bearer,
        response: responses(Profile, 401),
      },
    },
    async (request) => users.profile(request.userId),
  );

  app.put(
    '/user/me',
    {
      ...self,
      schema: {
        tags: ['users'],
        description:
          "Added: edit the caller's profile (any subset of the fields). A new `password` needs " +
          '`current_password` and ends every token and web session of the caller, this one too.',
        security: bearer,
        body: ProfileUpdateBody,
        response: responses(Profile, 400, 401, 403, 409, 429),
      },
    },
    async (request) => (await users.updateProfile(request.userId, request.body)).profile,
  );
};
