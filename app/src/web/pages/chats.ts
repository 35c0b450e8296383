import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { MessageText } from '../../dialogs/schemas.ts';
import { IdString } from '../../platform/ids.ts';
import { displayName, me, seeOther, sendFragment, sendPage, signedIn, viewer, type Web } from '../context.ts';
import { formMessage, tidyForm, validationMessage } from '../forms.ts';
import { url } from '../html.ts';
import { nameOf, usersById } from '../names.ts';
import { chatsView, dialogView, type MessageView, messagesList } from '../views/chats.ts';

const PeerParam = Type.Object({ peer: IdString }, { additionalProperties: false });
const shown = 50;
type PeerRequest = FastifyRequest<{ Params: { peer: string } }>;

export function chatPages(app: FastifyInstance, web: Web): void {
  const auth = { preHandler: signedIn };

  /** The newest messages; reading them marks them read, which is what opening the chat means. */
  async function messages(request: PeerRequest): Promise<MessageView[]> {
    const id = me(request);
    const list = await web.dialogs.list(id, request.params.peer, undefined, shown);
    return list.map((m) => ({ mine: m.from === id, text: m.text }));
  }

  async function renderDialog(request: PeerRequest, reply: FastifyReply, draft = '', error?: string) {
    const peer = await web.users.get(request.params.peer);
    const list = await messages(request);
    const who = await viewer(web, request);
    const content = dialogView({
      peerId: peer.id,
      peerName: displayName(peer),
      messages: list,
      csrf: request.web.csrf,
      draft,
      ...(error ? { error } : {}),
    });
    return sendPage(
      reply,
      { title: displayName(peer), viewer: who, nav: 'chats' },
      content,
      error ? 400 : 200,
    );
  }

  app.get<{ Querystring: { before?: string } }>(
    '/chats',
    { ...auth, schema: { querystring: Type.Object({ before: Type.Optional(IdString) }) } },
    async (request, reply) => {
      const id = me(request);
      const [who, rows] = await Promise.all([
        viewer(web, request),
        web.dialogs.summaries(id, request.query.before, 30),
      ]);
      const users = await usersById(
        web,
        rows.map((r) => r.user_id),
      );
      const view = rows.map((r) => ({
        peerId: r.user_id,
        peerName: nameOf(users, r.user_id),
        unread: r.unread,
        last: r.last_message && {
          fromMe: r.last_message.from === id,
          text: r.last_message.text,
          at: r.last_message.at,
        },
      }));
      const next = rows.length === 30 ? rows.at(-1)?.last_message?.id : undefined;
      return sendPage(reply, { title: 'Chats', viewer: who, nav: 'chats' }, chatsView(view, next));
    },
  );

  app.get<{ Params: { peer: string } }>(
    '/chats/:peer',
    { ...auth, schema: { params: PeerParam } },
    async (request, reply) => renderDialog(request, reply),
  );

  /** The message list alone, for the dialog's script when the other side wrote. */
  app.get<{ Params: { peer: string } }>(
    '/chats/:peer/messages',
    { ...auth, schema: { params: PeerParam } },
    async (request, reply) => sendFragment(reply, messagesList(await messages(request))),
  );

  app.post<{ Params: { peer: string }; Body: { text: string } }>(
    '/chats/:peer',
    {
      ...auth,
      attachValidation: true,
      preValidation: tidyForm([]),
      schema: { params: PeerParam, body: Type.Object({ text: MessageText }) },
    },
    async (request, reply) => {
      if (request.validationError)
        return renderDialog(
          request,
          reply,
          request.body?.text ?? '',
          validationMessage(request.validationError),
        );
      try {
        await web.dialogs.send(me(request), request.params.peer, request.body.text);
      } catch (error) {
        return renderDialog(request, reply, request.body.text, formMessage(error));
      }
      return seeOther(reply, url`/chats/${request.params.peer}`);
    },
  );
}
