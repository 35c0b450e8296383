import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, RawServerDefault } from 'fastify';
import { responses } from '../platform/http.ts';
import type { TypeBoxProvider } from '../platform/typebox.ts';
import { User } from '../users/schemas.ts';

const Prefix = Type.String({ minLength: 1, maxLength: 100 });

/** What /user/search needs of a backend: the MySQL SearchService or the Tarantool replica's search. */
export interface UserSearch {
  byNamePrefix(firstName: string, lastName: string, limit: number): Promise<User[]>;
}

export const searchRoutes: FastifyPluginAsync<
  { search: UserSearch },
  RawServerDefault,
  TypeBoxProvider
> = async (app, { search }) => {
  app.get(
    '/user/search',
    {
      schema: {
        tags: ['users'],
        description:
          'Users whose first name starts with first_name and last name with last_name, ordered by name then id. ' +
          '`limit` (default 100, at most 1000) is an addition to the contract.',
        querystring: Type.Object({
          first_name: Prefix,
          last_name: Prefix,
          limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
        }),
        response: responses(Type.Array(Type.Ref(User)), 400),
      },
    },
    async (request) =>
      search.byNamePrefix(request.query.first_name, request.query.last_name, request.query.limit),
  );
};
