import type { Databases, Sql } from '../platform/db.ts';

export interface Membership {
  chat_id: string;
  peer_id: string;
  last_read_message_id: string;
  [key: string]: unknown;
}

export interface ChatSummary extends Membership {
  last_message_id: string | null;
  last_message_from: string | null;
  last_message_text: string | null;
  last_message_at: string | null;
}

/** The chat and chat_member tables, on the app's master (they stay there when chat_message moves to Vitess). */
export class ChatRepository {
  constructor(private readonly db: Databases) {}

  async find(userId: string, peerId: string): Promise<string | undefined> {
    const rows = await this.db.write.rows<{ chat_id: string }>(
      'SELECT chat_id FROM chat_member WHERE user_id = ? AND peer_id = ?',
      [userId, peerId],
    );
    return rows[0]?.chat_id;
  }

  async findOrCreate(userId: string, peerId: string): Promise<string> {
    const existing = await this.find(userId, peerId);
    if (existing) return existing;
    const [low, high] = BigInt(userId) < BigInt(peerId) ? [userId, peerId] : [peerId, userId];
    await this.db.write.execute('INSERT IGNORE INTO chat (user_low, user_high) VALUES (?, ?)', [low, high], {
      idempotent: true,
    });
    const rows = await this.db.write.rows<{ id: string }>(
      'SELECT id FROM chat WHERE user_low = ? AND user_high = ?',
      [low, high],
    );
    const chatId = rows[0]!.id;
    await this.db.write.execute(
      'INSERT IGNORE INTO chat_member (user_id, chat_id, peer_id) VALUES (?, ?, ?), (?, ?, ?)',
      [userId, chatId, peerId, peerId, chatId, userId],
      { idempotent: true },
    );
    return chatId;
  }

  /**
   * Runs `work` holding the lock on one member's row: a send to that member and that member's read
   * mark take it in turn, so an unread count never misses or double-counts a message.
   */
  async withMemberLocked<T>(
    userId: string,
    chatId: string,
    work: (lastRead: string, tx: Sql) => Promise<T>,
  ): Promise<T> {
    return this.db.write.transaction(async (tx) => {
      const rows = await tx.rows<{ last_read_message_id: string }>(
        'SELECT last_read_message_id FROM chat_member WHERE user_id = ? AND chat_id = ? FOR UPDATE',
        [userId, chatId],
      );
      return work(rows[0]?.last_read_message_id ?? '0', tx);
    });
  }

  async setLastRead(tx: Sql, userId: string, chatId: string, messageId: string): Promise<void> {
    await tx.execute('UPDATE chat_member SET last_read_message_id = ? WHERE user_id = ? AND chat_id = ?', [
      messageId,
      userId,
      chatId,
    ]);
  }

  async setLastMessage(
    tx: Sql,
    chatId: string,
    message: { id: string; from: string; text: string },
  ): Promise<void> {
    await tx.execute(
      `UPDATE chat SET last_message_id = ?, last_message_from = ?, last_message_text = ?, last_message_at = NOW(3)
       WHERE id = ? AND (last_message_id IS NULL OR last_message_id < ?)`,
      [message.id, message.from, message.text.slice(0, 200), chatId, message.id],
    );
  }

  async memberships(userId: string): Promise<Membership[]> {
    return this.db.write.rows<Membership>(
      'SELECT chat_id, peer_id, last_read_message_id FROM chat_member WHERE user_id = ?',
      [userId],
    );
  }

  /** The caller's chats, most recent first; keyset on the last message id. */
  async summaries(userId: string, before: string | undefined, limit: number): Promise<ChatSummary[]> {
    return this.db.read.rows<ChatSummary>(
      `SELECT m.chat_id, m.peer_id, m.last_read_message_id, c.last_message_id, c.last_message_from, c.last_message_text, c.last_message_at
       FROM chat_member m JOIN chat c ON c.id = m.chat_id
       WHERE m.user_id = ? AND c.last_message_id IS NOT NULL AND c.last_message_id < ?
       ORDER BY c.last_message_id DESC LIMIT ?`,
      [userId, before ?? '18446744073709551615', limit],
    );
  }
}
