import type { Databases } from '../platform/db.ts';
import type { Post } from './schemas.ts';

interface PostRow {
  id: string;
  text: string;
  author_id: string;
  [key: string]: unknown;
}

const toPost = (row: PostRow): Post => ({
  id: String(row.id),
  text: row.text,
  author_user_id: String(row.author_id),
});

export class PostsRepository {
  constructor(private readonly db: Databases) {}

  async insert(authorId: string, text: string): Promise<string> {
    const result = await this.db.write.execute('INSERT INTO post (author_id, text) VALUES (?, ?)', [
      authorId,
      text,
    ]);
    return String(result.insertId);
  }

  /** Only the author's own post changes; false when there is no such post of theirs. */
  async update(id: string, authorId: string, text: string): Promise<boolean> {
    const result = await this.db.write.execute('UPDATE post SET text = ? WHERE id = ? AND author_id = ?', [
      text,
      id,
      authorId,
    ]);
    return result.affectedRows === 1;
  }

  async delete(id: string, authorId: string): Promise<boolean> {
    const result = await this.db.write.execute('DELETE FROM post WHERE id = ? AND author_id = ?', [
      id,
      authorId,
    ]);
    return result.affectedRows === 1;
  }

  async authorOf(id: string): Promise<string | undefined> {
    const rows = await this.db.write.rows<{ author_id: string }>('SELECT author_id FROM post WHERE id = ?', [
      id,
    ]);
    return rows[0]?.author_id;
  }

  /** From a slave, asking the master for what the slave does not have yet. */
  async findByIds(ids: string[]): Promise<Post[]> {
    if (ids.length === 0) return [];
    const sql = 'SELECT id, text, author_id FROM post WHERE id IN (?)';
    const found = (await this.db.read.rows<PostRow>(sql, [ids])).map(toPost);
    const missing = ids.filter((id) => !found.some((p) => p.id === id));
    if (missing.length > 0) found.push(...(await this.db.write.rows<PostRow>(sql, [missing])).map(toPost));
    return found;
  }

  /**
   * An author's posts, newest first, `limit` of them older than `beforeId` (keyset on id): one range
   * of post_author (author_id, id) read backwards, however far back the page is. `fresh` reads the
   * master (the author looking at what they just wrote or deleted); otherwise a slave answers.
   */
  async byAuthor(
    authorId: string,
    beforeId: string | undefined,
    limit: number,
    fresh = false,
  ): Promise<Post[]> {
    const on = fresh ? this.db.write : this.db.read;
    const rows = await on.rows<PostRow>(
      `SELECT id, text, author_id FROM post WHERE author_id = ? ${beforeId === undefined ? '' : 'AND id < ? '}ORDER BY id DESC LIMIT ?`,
      beforeId === undefined ? [authorId, limit] : [authorId, BigInt(beforeId), limit],
    );
    return rows.map(toPost);
  }

  /** The newest posts of everyone the user follows: what a feed is rebuilt from. */
  async feedIds(userId: string, limit: number, offset = 0): Promise<string[]> {
    const rows = await this.db.write.rows<{ id: string }>(
      `SELECT p.id FROM friend f JOIN post p ON p.author_id = f.friend_id
       WHERE f.user_id = ? ORDER BY p.id DESC LIMIT ? OFFSET ?`,
      [userId, limit, offset],
    );
    return rows.map((r) => String(r.id));
  }
}
