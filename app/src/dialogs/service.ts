import type { Static } from '@sinclair/typebox';
import type { FastifyBaseLogger } from 'fastify';
import type { UnreadCounters } from '../counters/service.ts';
import { badRequest, notFound } from '../platform/errors.ts';
import type { IdGenerator } from '../platform/ids.ts';
import type { DialogNotifier } from '../posts/live.ts';
import type { UsersRepository } from '../users/repository.ts';
import type { ChatRepository } from './chat-repository.ts';
import type { MessageRepository } from './message-repository.ts';
import type { ChatSummary, DialogMessage } from './schemas.ts';

export class DialogsService {
  constructor(
    private readonly chats: ChatRepository,
    private readonly messages: MessageRepository,
    private readonly users: UsersRepository,
    private readonly counters: UnreadCounters,
    private readonly ids: IdGenerator,
    /** Live delivery of "this dialog changed" to the user's open pages; optional, never fails a send. */
    private readonly live?: DialogNotifier,
    private readonly log?: FastifyBaseLogger,
  ) {}

  /**
   * Under the recipient's member lock: the counter goes up first, then the message is written (and
   * the counter put back if that fails), so a concurrent read mark never subtracts a message that
   * was not counted yet. The id is kept above the recipient's read mark, so a message is never born read.
   */
  async send(from: string, to: string, text: string): Promise<void> {
    const chatId = await this.chatWith(from, to, true);
    await this.chats.withMemberLocked(to, chatId!, async (lastRead, tx) => {
      let id = this.ids.next();
      if (id <= BigInt(lastRead)) id = BigInt(lastRead) + 1n;
      const message = { id: String(id), from, to, text };
      await this.counters.change(to, from, 1);
      try {
        await this.messages.insert(chatId!, message);
      } catch (error) {
        await this.counters.change(to, from, -1);
        throw error;
      }
      await this.chats.setLastMessage(tx, chatId!, message);
    });
    // Committed: the recipient's pages may now read it (their badges, an open dialog).
    await this.notify(to, from);
  }

  /** The newest messages with the peer, oldest first; reading the newest page marks them read. */
  async list(
    userId: string,
    peerId: string,
    before: string | undefined,
    limit: number,
  ): Promise<Static<typeof DialogMessage>[]> {
    const chatId = await this.chatWith(userId, peerId, false);
    if (!chatId) return [];
    const rows = await this.messages.list(chatId, before, limit);
    if (before === undefined && rows.length > 0) await this.markRead(userId, peerId, chatId, rows.at(-1)!.id);
    return rows.map((r) => ({ from: String(r.from_user_id), to: String(r.to_user_id), text: r.text }));
  }

  async markAllRead(userId: string, peerId: string): Promise<void> {
    const chatId = await this.chatWith(userId, peerId, false);
    if (!chatId) return;
    const newest = await this.messages.newestId(chatId);
    if (newest) await this.markRead(userId, peerId, chatId, newest);
  }

  async summaries(
    userId: string,
    before: string | undefined,
    limit: number,
  ): Promise<Static<typeof ChatSummary>[]> {
    const [rows, counts] = await Promise.all([
      this.chats.summaries(userId, before, limit),
      this.counters.forUser(userId),
    ]);
    const unread = new Map(counts.dialogs.map((d) => [d.user_id, d.unread]));
    return rows.map((r) => ({
      user_id: String(r.peer_id),
      unread: unread.get(String(r.peer_id)) ?? 0,
      last_message:
        r.last_message_id === null
          ? null
          : {
              id: String(r.last_message_id),
              from: String(r.last_message_from),
              text: r.last_message_text ?? '',
              at: r.last_message_at ?? '',
            },
    }));
  }

  private async markRead(userId: string, peerId: string, chatId: string, upTo: string): Promise<void> {
    const marked = await this.chats.withMemberLocked(userId, chatId, async (lastRead, tx) => {
      if (BigInt(upTo) <= BigInt(lastRead)) return 0;
      const count = await this.messages.countFrom(chatId, peerId, lastRead, upTo);
      await this.chats.setLastRead(tx, userId, chatId, upTo);
      return count;
    });
    await this.counters.change(userId, peerId, -marked);
    // The reader's other pages (another tab, a phone) clear the badge too.
    if (marked > 0) await this.notify(userId, peerId);
  }

  /** The broker being away costs only the push: the pages fall back to polling the counts. */
  private async notify(userId: string, peerId: string): Promise<void> {
    await this.live?.publishDialogChanged(userId, peerId).catch((error: unknown) => {
      this.log?.warn(
        { err: (error as Error).message, user: userId },
        'dialog push skipped: broker unavailable',
      );
    });
  }

  private async chatWith(userId: string, peerId: string, create: boolean): Promise<string | undefined> {
    if (userId === peerId) throw badRequest('a dialog needs two different users');
    if (!(await this.users.exists(peerId))) throw notFound('user');
    return create ? this.chats.findOrCreate(userId, peerId) : this.chats.find(userId, peerId);
  }
}
