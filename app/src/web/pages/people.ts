import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { IdParam, IdString } from '../../platform/ids.ts';
import { me, seeOther, sendPage, signedIn, viewer, type Web } from '../context.ts';
import { url } from '../html.ts';
import { usersById } from '../names.ts';
import { friendsView, profileView, searchView } from '../views/people.ts';

const pageSize = 20;
/** Offset paging reads every earlier row, so it stops where that still costs little (asked: a keyset). */
const lastPage = Math.floor(1000 / pageSize) - 2;

const SearchQuery = Type.Object({
  first: Type.String({ maxLength: 100, default: '' }),
  last: Type.String({ maxLength: 100, default: '' }),
  page: Type.Integer({ minimum: 0, maximum: lastPage, default: 0 }),
});

export function peoplePages(app: FastifyInstance, web: Web): void {
  const auth = { preHandler: signedIn };

  app.get<{ Querystring: { first: string; last: string; page: number } }>(
    '/people',
    { ...auth, schema: { querystring: SearchQuery } },
    async (request, reply) => {
      const first = request.query.first.trim();
      const last = request.query.last.trim();
      const { page } = request.query;
      const who = await viewer(web, request);
      const state = { first, last, page, results: undefined, more: false, capped: false };
      if (first === '') {
        const error = last === '' ? undefined : 'Type the first letters of the first name too.';
        return sendPage(
          reply,
          { title: 'People', viewer: who, nav: 'people' },
          searchView({ ...state, error }),
        );
      }
      // The index is (first_name, second_name): a first-name prefix alone is still one range of it.
      const found = await web.search.byNamePrefix(first, last, (page + 1) * pageSize + 1);
      const results = found.slice(page * pageSize, (page + 1) * pageSize);
      const more = found.length > (page + 1) * pageSize;
      return sendPage(
        reply,
        { title: 'People', viewer: who, nav: 'people' },
        searchView({ ...state, results, more: more && page < lastPage, capped: more && page >= lastPage }),
      );
    },
  );

  app.get<{ Params: { id: string }; Querystring: { done?: string } }>(
    '/people/:id',
    { ...auth, schema: { params: IdParam } },
    async (request, reply) => {
      const id = me(request);
      const target = request.params.id;
      if (target === id) return seeOther(reply, '/me');
      const done = request.query.done;
      const [who, user, friend] = await Promise.all([
        viewer(web, request),
        web.users.get(target),
        // What was just changed wins over a slave that may not have it yet.
        done === 'added' || done === 'removed' ? done === 'added' : isFriend(web, id, target),
      ]);
      const flash =
        done === 'added'
          ? 'Added to your friends.'
          : done === 'removed'
            ? 'Removed from your friends.'
            : undefined;
      return sendPage(
        reply,
        { title: `${user.first_name} ${user.second_name}`, viewer: who, flash },
        profileView(user, request.web.csrf, friend),
      );
    },
  );

  app.post<{ Params: { id: string } }>(
    '/people/:id/friend',
    { ...auth, schema: { params: IdParam } },
    async (request, reply) => {
      await web.friends.set(me(request), request.params.id);
      return seeOther(reply, `${url`/people/${request.params.id}`}?done=added`);
    },
  );

  app.post<{ Params: { id: string } }>(
    '/people/:id/unfriend',
    { ...auth, schema: { params: IdParam } },
    async (request, reply) => {
      await web.friends.delete(me(request), request.params.id);
      return seeOther(reply, `${url`/people/${request.params.id}`}?done=removed`);
    },
  );

  app.get<{ Querystring: { after?: string } }>(
    '/friends',
    { ...auth, schema: { querystring: Type.Object({ after: Type.Optional(IdString) }) } },
    async (request, reply) => {
      const [who, ids] = await Promise.all([
        viewer(web, request),
        web.friends.list(me(request), request.query.after, pageSize + 1),
      ]);
      const page = ids.slice(0, pageSize);
      const users = await usersById(web, page);
      const list = page.flatMap((fid) => users.get(fid) ?? []);
      const next = ids.length > pageSize ? page.at(-1) : undefined;
      return sendPage(reply, { title: 'Friends', viewer: who, nav: 'friends' }, friendsView(list, next));
    },
  );
}

/** The friend list is keyed by friend id, so "the first friend after target - 1" answers it in one row. */
async function isFriend(web: Web, userId: string, target: string): Promise<boolean> {
  const [first] = await web.friends.list(userId, String(BigInt(target) - 1n), 1);
  return first === target;
}
