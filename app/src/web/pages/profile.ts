import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { IdString } from '../../platform/ids.ts';
import { ProfileUpdateBody } from '../../users/schemas.ts';
import { me, seeOther, sendPage, setSessionCookie, signedIn, viewer, type Web } from '../context.ts';
import { type Form, formMessage, tidyForm, validationMessage } from '../forms.ts';
import { editProfileView, myProfileView } from '../views/people.ts';
import { postCard } from '../views/posts.ts';
import { postFlashes, withAuthors } from './feed.ts';

const flashes: Record<string, string> = { ...postFlashes, saved: 'Your profile is saved.' };

/** Posts shown per profile page; `before` (a post id) gives the older ones: a keyset on post_author. */
export const postsShown = 20;
export const PostsPage = Type.Object({
  before: Type.Optional(IdString),
  done: Type.Optional(Type.String({ maxLength: 20 })),
});

/** An emptied gender or email means "remove it" (null), unlike an emptied password ("keep it"). */
async function emptyMeansNull(request: FastifyRequest): Promise<void> {
  const form = request.body as Record<string, string | null> | undefined;
  if (!form) return;
  for (const name of ['gender', 'email']) if (form[name] === '') form[name] = null;
}

export function profilePages(app: FastifyInstance, web: Web): void {
  const auth = { preHandler: signedIn };

  app.get<{ Querystring: { done?: string; before?: string } }>(
    '/me',
    { ...auth, schema: { querystring: PostsPage } },
    async (request, reply) => {
      const id = me(request);
      const [who, profile, page] = await Promise.all([
        viewer(web, request),
        web.users.profile(id),
        // From the master: the author has just written, edited or deleted one of them.
        web.posts.byAuthor(id, request.query.before, postsShown + 1, { fresh: true }),
      ]);
      const posts = await withAuthors(web, page.slice(0, postsShown));
      const cards = posts.map((p) => postCard(p, id, request.web.csrf));
      return sendPage(
        reply,
        { title: 'Your profile', viewer: who, nav: 'me', flash: flashes[request.query.done ?? ''] },
        myProfileView(profile, cards, {
          older: page.length > postsShown ? posts.at(-1)?.id : undefined,
          paged: request.query.before !== undefined,
        }),
      );
    },
  );

  app.get('/me/edit', auth, async (request, reply) => {
    const [who, profile] = await Promise.all([viewer(web, request), web.users.profile(me(request))]);
    const values = { ...profile, gender: profile.gender ?? '', email: profile.email ?? '' };
    return sendPage(
      reply,
      { title: 'Edit profile', viewer: who, nav: 'me' },
      editProfileView(request.web.csrf, values),
    );
  });

  app.post<{ Body: ProfileUpdateBody }>(
    '/me/edit',
    {
      ...auth,
      attachValidation: true,
      preValidation: [
        tidyForm(['password', 'current_password'], ['password', 'current_password']),
        emptyMeansNull,
      ],
      schema: { body: ProfileUpdateBody },
    },
    async (request, reply) => {
      const values: Form = { ...(request.body as unknown as Form), password: '', current_password: '' };
      for (const k of ['gender', 'email']) values[k] ??= '';
      const again = async (error: string) =>
        sendPage(
          reply,
          { title: 'Edit profile', viewer: await viewer(web, request), nav: 'me' },
          editProfileView(request.web.csrf, values, error),
          400,
        );
      if (request.validationError) return again(validationMessage(request.validationError));
      let revoked: boolean;
      try {
        ({ revoked } = await web.users.updateProfile(me(request), request.body));
      } catch (error) {
        return again(formMessage(error));
      }
      // A new password ended every session, this one too: this browser gets a fresh one and stays in.
      if (revoked) {
        await web.sessions.destroy(request.web.sid);
        const sid = await web.sessions.create(await web.auth.issue(me(request)));
        setSessionCookie(request, reply, sid, web.sessions.ttlSeconds);
      }
      return seeOther(reply, '/me?done=saved');
    },
  );
}
