import type { FastifyBaseLogger } from 'fastify';
import type { ChatRepository } from '../dialogs/chat-repository.ts';
import type { MessageRepository } from '../dialogs/message-repository.ts';
import type { UnreadStore } from './unread-store.ts';

export interface UnreadCounts {
  total: number;
  dialogs: Array<{ user_id: string; unread: number }>;
}

/**
 * Unread counters kept with the messages: a send adds one (before the message is visible, under the
 * recipient's member lock), a read mark subtracts what it marked. Redis failures never fail a send:
 * the user's hash is dropped as soon as Redis answers again (and expires daily anyway), and the next
 * read rebuilds it from MySQL.
 */
export class UnreadCounters {
  private readonly stale = new Set<string>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly store: UnreadStore,
    private readonly chats: ChatRepository,
    private readonly messages: MessageRepository,
    private readonly log: FastifyBaseLogger,
    /** Told of each rebuild from MySQL (the metrics count them). */
    private readonly onRebuild: () => void = () => {},
  ) {
    this.timer = setInterval(() => void this.dropStale(), 1000);
    this.timer.unref();
  }

  async change(userId: string, peerId: string, by: number): Promise<void> {
    if (by === 0) return;
    try {
      await this.store.change(userId, peerId, by);
    } catch (error) {
      this.stale.add(userId);
      this.log.warn(
        { err: (error as Error).message, user: userId },
        'unread counter not changed: Redis unavailable; will rebuild',
      );
    }
  }

  async forUser(userId: string): Promise<UnreadCounts> {
    let counts: Map<string, number> | undefined;
    try {
      counts = this.stale.has(userId) ? undefined : await this.store.read(userId);
    } catch {
      return this.fromMysql(userId);
    }
    if (!counts) {
      const rebuilt = await this.countInMysql(userId);
      this.onRebuild();
      await this.store.build(userId, rebuilt).then(
        () => this.stale.delete(userId),
        () => {},
      );
      counts = rebuilt;
    }
    return present(counts);
  }

  close(): void {
    clearInterval(this.timer);
  }

  private async fromMysql(userId: string): Promise<UnreadCounts> {
    return present(await this.countInMysql(userId));
  }

  private async countInMysql(userId: string): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const m of await this.chats.memberships(userId)) {
      const n = await this.messages.countFrom(m.chat_id, m.peer_id, m.last_read_message_id);
      if (n > 0) out.set(m.peer_id, n);
    }
    return out;
  }

  private async dropStale(): Promise<void> {
    for (const userId of [...this.stale]) {
      try {
        await this.store.drop(userId);
        this.stale.delete(userId);
      } catch {
        return;
      }
    }
  }
}

function present(counts: Map<string, number>): UnreadCounts {
  const dialogs = [...counts]
    .map(([user_id, unread]) => ({ user_id, unread }))
    .sort((a, b) => b.unread - a.unread);
  return { total: dialogs.reduce((sum, d) => sum + d.unread, 0), dialogs };
}
