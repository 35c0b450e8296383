import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ProfileUpdateBody } from '../../users/schemas.ts';
import { me, seeOther, sendPage, signedIn, viewer, type Web } from '../context.ts';
import { type Form, formMessage, tidyForm, validationMessage } from '../forms.ts';
import { OwnPosts } from '../own-posts.ts';
import { editProfileView, myProfileView } from '../views/people.ts';
import { postCard } from '../views/posts.ts';
import { postFlashes, withAuthors } from './feed.ts';

const flashes: Record<string, string> = { ...postFlashes, saved: 'Your profile is saved.' };

/** An emptied gender or email means "remove it" (null), unlike an emptied password ("keep it"). */
async function emptyMeansNull(request: FastifyRequest): Promise<void> {
  const form = request.body as Record<string, string | null> | undefined;
  if (!form) return;
  for (const name of ['gender', 'email']) if (form[name] === '') form[name] = null;
}

export function profilePages(app: FastifyInstance, web: Web): void {
  const own = new OwnPosts(web.redis);
  const auth = { preHandler: signedIn };

  app.get<{ Querystring: { done?: string } }>('/me', auth, async (request, reply) => {
    const id = me(request);
    const [who, profile, ids] = await Promise.all([
      viewer(web, request),
      web.users.profile(id),
      own.newest(id, 20),
    ]);
    const posts = await withAuthors(web, await web.posts.byIds(ids));
    const cards = posts.map((p) => postCard(p, id, request.web.csrf));
    return sendPage(
      reply,
      { title: 'Your profile', viewer: who, nav: 'me', flash: flashes[request.query.done ?? ''] },
      myProfileView(profile, cards),
    );
  });

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
      preValidation: [tidyForm(['password']), emptyMeansNull],
      schema: { body: ProfileUpdateBody },
    },
    async (request, reply) => {
      const values: Form = { ...(request.body as unknown as Form), password: '' };
      for (const k of ['gender', 'email']) values[k] ??= '';
      const again = async (error: string) =>
        sendPage(
          reply,
          { title: 'Edit profile', viewer: await viewer(web, request), nav: 'me' },
          editProfileView(request.web.csrf, values, error),
          400,
        );
      if (request.validationError) return again(validationMessage(request.validationError));
      try {
        await web.users.updateProfile(me(request), request.body);
      } catch (error) {
        return again(formMessage(error));
      }
      return seeOther(reply, '/me?done=saved');
    },
  );
}
