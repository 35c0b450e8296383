import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { notFound } from '../../platform/errors.ts';
import { IdParam } from '../../platform/ids.ts';
import { PostText } from '../../posts/schemas.ts';
import { me, seeOther, sendFragment, sendPage, signedIn, viewer, type Web } from '../context.ts';
import { formMessage, tidyForm, validationMessage } from '../forms.ts';
import { nameOf, usersById } from '../names.ts';
import { editPostView, feedView, type PostView, postCard } from '../views/posts.ts';

const pageSize = 20;
const TextForm = Type.Object({ text: PostText });
const Offset = Type.Object({
  offset: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 }),
  done: Type.Optional(Type.String({ maxLength: 20 })),
});

const flashes: Record<string, string> = {
  posted: 'Posted. Your friends see it in their feeds now.',
  deleted: 'The post is deleted.',
  updated: 'The post is saved.',
};

export async function withAuthors(
  web: Web,
  posts: Array<{ id: string; text: string; author_user_id: string }>,
) {
  const users = await usersById(
    web,
    posts.map((p) => p.author_user_id),
  );
  return posts.map((p): PostView => ({ ...p, authorName: nameOf(users, p.author_user_id) }));
}

export function feedPages(app: FastifyInstance, web: Web): void {
  const auth = { preHandler: signedIn };

  async function renderFeed(
    request: FastifyRequest,
    reply: FastifyReply,
    options: { offset: number; flash?: string | undefined; draft?: string; error?: string },
    status = 200,
  ) {
    const id = me(request);
    const [who, page] = await Promise.all([
      viewer(web, request),
      web.feed.page(id, options.offset, pageSize + 1),
    ]);
    const posts = await withAuthors(web, page.slice(0, pageSize));
    const content = feedView({
      csrf: request.web.csrf,
      viewerId: id,
      posts,
      offset: options.offset,
      more: page.length > pageSize,
      draft: options.draft ?? '',
      error: options.error,
    });
    return sendPage(
      reply,
      { title: 'Feed', viewer: who, nav: 'feed', flash: options.flash },
      content,
      status,
    );
  }

  app.get<{ Querystring: { offset: number; done?: string } }>(
    '/',
    { schema: { querystring: Offset } },
    async (request, reply) => {
      if (!request.web.userId) return seeOther(reply, '/signin');
      const done = request.query.done;
      const flash =
        done === 'welcome'
          ? `Welcome! Your user id is ${request.web.userId}: sign in with it or with your email.`
          : flashes[done ?? ''];
      return renderFeed(request, reply, { offset: request.query.offset, flash });
    },
  );

  app.post<{ Body: { text: string } }>(
    '/posts',
    { ...auth, attachValidation: true, preValidation: tidyForm([]), schema: { body: TextForm } },
    async (request, reply) => {
      if (request.validationError)
        return renderFeed(
          request,
          reply,
          { offset: 0, draft: request.body?.text ?? '', error: validationMessage(request.validationError) },
          400,
        );
      await web.posts.create(me(request), request.body.text);
      return seeOther(reply, '/?done=posted');
    },
  );

  /** One post as a card, for the live feed's script (server-rendered, so escaping stays in one place). */
  app.get<{ Params: { id: string } }>(
    '/posts/:id/card',
    { ...auth, schema: { params: IdParam } },
    async (request, reply) => {
      const [post] = await withAuthors(web, [await web.posts.get(request.params.id)]);
      return sendFragment(reply, postCard(post!, me(request), request.web.csrf));
    },
  );

  async function ownPost(request: FastifyRequest<{ Params: { id: string } }>) {
    const post = await web.posts.get(request.params.id);
    if (post.author_user_id !== me(request)) throw notFound('post');
    return post;
  }

  app.get<{ Params: { id: string } }>(
    '/posts/:id/edit',
    { ...auth, schema: { params: IdParam } },
    async (request, reply) => {
      const post = await ownPost(request);
      const who = await viewer(web, request);
      return sendPage(
        reply,
        { title: 'Edit post', viewer: who, nav: 'me' },
        editPostView(request.web.csrf, post, post.text),
      );
    },
  );

  app.post<{ Params: { id: string }; Body: { text: string } }>(
    '/posts/:id/edit',
    {
      ...auth,
      attachValidation: true,
      preValidation: tidyForm([]),
      schema: { params: IdParam, body: TextForm },
    },
    async (request, reply) => {
      const post = await ownPost(request);
      const again = async (error: string) =>
        sendPage(
          reply,
          { title: 'Edit post', viewer: await viewer(web, request), nav: 'me' },
          editPostView(request.web.csrf, post, request.body?.text ?? '', error),
          400,
        );
      if (request.validationError) return again(validationMessage(request.validationError));
      try {
        await web.posts.update(me(request), post.id, request.body.text);
      } catch (error) {
        return again(formMessage(error));
      }
      return seeOther(reply, '/me?done=updated');
    },
  );

  app.post<{ Params: { id: string } }>(
    '/posts/:id/delete',
    { ...auth, schema: { params: IdParam } },
    async (request, reply) => {
      await web.posts.delete(me(request), request.params.id);
      return seeOther(reply, '/me?done=deleted');
    },
  );
}

export { flashes as postFlashes };
