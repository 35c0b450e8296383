import type { Databases } from '../platform/db.ts';

export interface MessageRow {
  id: string;
  from_user_id: string;
  to_user_id: string;
  text: string;
  [key: string]: unknown;
}

/**
 * chat_message, on its own connection (CHAT_MYSQL_*): every statement names its chat_id, so a vtgate
 * routes it to one shard, and nothing joins it with the app's tables.
 */
export class MessageRepository {
  constructor(private readonly db: Databases) {}

  async insert(
    chatId: string,
    message: { id: string; from: string; to: string; text: string },
  ): Promise<void> {
    await this.db.chat.execute(
      'INSERT INTO chat_message (chat_id, id, from_user_id, to_user_id, text) VALUES (?, ?, ?, ?, ?)',
      [chatId, message.id, message.from, message.to, message.text],
    );
  }

  /** The newest `limit` messages before `before` (keyset), oldest first. */
  async list(chatId: string, before: string | undefined, limit: number): Promise<MessageRow[]> {
    const rows = await this.db.chat.rows<MessageRow>(
      `SELECT id, from_user_id, to_user_id, text FROM chat_message
       WHERE chat_id = ? AND id < ? ORDER BY id DESC LIMIT ?`,
      [chatId, before ?? '18446744073709551615', limit],
    );
    return rows.reverse();
  }

  /** Messages from `fromUserId` with after < id <= upTo: what a read mark turns from unread to read. */
  async countFrom(
    chatId: string,
    fromUserId: string,
    after: string,
    upTo = '18446744073709551615',
  ): Promise<number> {
    const rows = await this.db.chat.rows<{ n: string }>(
      'SELECT COUNT(*) AS n FROM chat_message WHERE chat_id = ? AND from_user_id = ? AND id > ? AND id <= ?',
      [chatId, fromUserId, after, upTo],
    );
    return Number(rows[0]?.n ?? 0);
  }

  async newestId(chatId: string): Promise<string | undefined> {
    const rows = await this.db.chat.rows<{ id: string }>(
      'SELECT id FROM chat_message WHERE chat_id = ? ORDER BY id DESC LIMIT 1',
      [chatId],
    );
    return rows[0]?.id;
  }
}
