import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { IdParam, IdString } from '../../platform/ids.ts';
import type { NameCursor } from '../../search/service.ts';
import { displayName, me, seeOther, sendPage, signedIn, viewer, type Web } from '../context.ts';
import { url } from '../html.ts';
import { usersById } from '../names.ts';
import { friendsView, profileView, searchView } from '../views/people.ts';
import { postCard } from '../views/posts.ts';
import { PostsPage, postsShown } from './profile.ts';

const pageSize = 20;

const Prefix = Type.String({ maxLength: 100, default: '' });
/** The next page starts after this user, in the search's order (first name, last name, id): a keyset. */
const SearchQuery = Type.Object({
  first: Prefix,
  last: Prefix,
  after_first: Type.Optional(Type.String({ maxLength: 100 })),
  after_last: Type.Optional(Type.String({ maxLength: 100 })),
  after_id: Type.Optional(IdString),
});
type SearchQuery = Static<typeof SearchQuery>;

function cursorOf(query: SearchQuery): NameCursor | undefined {
  const { after_first, after_last, after_id } = query;
  return after_first !== undefined && after_last !== undefined && after_id !== undefined
    ? { first_name: after_first, second_name: after_last, id: after_id }
    : undefined;
}

export function peoplePages(app: FastifyInstance, web: Web): void {
  const auth = { preHandler: signedIn };

  app.get<{ Querystring: SearchQuery }>(
    '/people',
    { ...auth, schema: { querystring: SearchQuery } },
    async (request, reply) => {
      const first = request.query.first.trim();
      const last = request.query.last.trim();
      const after = cursorOf(request.query);
      const who = await viewer(web, request);
      const state = { first, last, paged: after !== undefined };
      if (first === '') {
        const error = last === '' ? undefined : 'Type the first letters of the first name too.';
        return sendPage(
          reply,
          { title: 'People', viewer: who, nav: 'people' },
          searchView({ ...state, results: undefined, error }),
        );
      }
      // The index is (first_name, second_name): a first-name prefix alone is still one range of it,
      // and a page after a cursor starts inside it, so every page costs what the first one does.
      const found = await web.search.byNamePrefix(first, last, pageSize + 1, after);
      const results = found.slice(0, pageSize);
      const lastShown = results.at(-1);
      const next =
        found.length > pageSize && lastShown
          ? { first_name: lastShown.first_name, second_name: lastShown.second_name, id: lastShown.id }
          : undefined;
      return sendPage(
        reply,
        { title: 'People', viewer: who, nav: 'people' },
        searchView({ ...state, results, next }),
      );
    },
  );

  app.get<{ Params: { id: string }; Querystring: { done?: string; before?: string } }>(
    '/people/:id',
    { ...auth, schema: { params: IdParam, querystring: PostsPage } },
    async (request, reply) => {
      const id = me(request);
      const target = request.params.id;
      if (target === id) return seeOther(reply, '/me');
      const { done, before } = request.query;
      const [who, user, friend, page] = await Promise.all([
        viewer(web, request),
        web.users.get(target),
        // What was just changed wins over a slave that may not have it yet.
        done === 'added' || done === 'removed' ? done === 'added' : isFriend(web, id, target),
        web.posts.byAuthor(target, before, postsShown + 1),
      ]);
      const posts = page.slice(0, postsShown).map((p) => ({ ...p, authorName: displayName(user) }));
      const cards = posts.map((p) => postCard(p, id, request.web.csrf));
      const paging = {
        older: page.length > postsShown ? posts.at(-1)?.id : undefined,
        paged: before !== undefined,
      };
      const flash =
        done === 'added'
          ? 'Added to your friends.'
          : done === 'removed'
            ? 'Removed from your friends.'
            : undefined;
      return sendPage(
        reply,
        { title: `${user.first_name} ${user.second_name}`, viewer: who, flash },
        profileView(user, request.web.csrf, friend, cards, paging),
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
