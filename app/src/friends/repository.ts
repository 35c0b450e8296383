import type { Databases } from '../platform/db.ts';

export class FriendsRepository {
  constructor(private readonly db: Databases) {}

  /** True when the row is new. */
  async add(userId: string, friendId: string): Promise<boolean> {
    const result = await this.db.write.execute(
      'INSERT IGNORE INTO friend (user_id, friend_id) VALUES (?, ?)',
      [userId, friendId],
    );
    return result.affectedRows === 1;
  }

  async remove(userId: string, friendId: string): Promise<boolean> {
    const result = await this.db.write.execute('DELETE FROM friend WHERE user_id = ? AND friend_id = ?', [
      userId,
      friendId,
    ]);
    return result.affectedRows === 1;
  }

  /** Whom the user follows: read on the master, since it decides what the user's own feed shows. */
  async friendIds(userId: string, limit = 10_000): Promise<string[]> {
    const rows = await this.db.write.rows<{ friend_id: string }>(
      'SELECT friend_id FROM friend WHERE user_id = ? ORDER BY friend_id LIMIT ?',
      [userId, limit],
    );
    return rows.map((r) => r.friend_id);
  }

  /** A page of the friend list, keyset on friend_id. */
  async friendsPage(userId: string, after: string | undefined, limit: number): Promise<string[]> {
    const rows = await this.db.read.rows<{ friend_id: string }>(
      'SELECT friend_id FROM friend WHERE user_id = ? AND friend_id > ? ORDER BY friend_id LIMIT ?',
      [userId, after ?? '0', limit],
    );
    return rows.map((r) => r.friend_id);
  }

  /** A page of an author's followers (those who set them as friend), keyset on user_id: for fan-out. */
  async followersPage(authorId: string, after: string, limit: number): Promise<string[]> {
    const rows = await this.db.write.rows<{ user_id: string }>(
      'SELECT user_id FROM friend WHERE friend_id = ? AND user_id > ? ORDER BY user_id LIMIT ?',
      [authorId, after, limit],
    );
    return rows.map((r) => r.user_id);
  }

  /** Counts followers up to `cap` only: enough to tell a celebrity without counting millions. */
  async followerCountUpTo(authorId: string, cap: number): Promise<number> {
    const rows = await this.db.write.rows<{ n: string }>(
      'SELECT COUNT(*) AS n FROM (SELECT 1 FROM friend WHERE friend_id = ? LIMIT ?) AS capped',
      [authorId, cap],
    );
    return Number(rows[0]?.n ?? 0);
  }
}
