import type { Databases, Sql } from '../platform/db.ts';

export interface UserRow {
  id: string;
  first_name: string;
  second_name: string;
  birthdate: string | null;
  gender: 'male' | 'female' | null;
  biography: string | null;
  city: string | null;
  email: string | null;
  [key: string]: unknown;
}

export interface NewUser {
  first_name: string;
  second_name: string;
  birthdate: string;
  gender: 'male' | 'female' | null;
  biography: string;
  city: string;
  email: string | null;
  password_hash: string;
}

const columns = 'id, first_name, second_name, birthdate, gender, biography, city, email';

/** Escapes LIKE's own wildcards, so a prefix is matched literally. */
export function likePrefix(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export class UsersRepository {
  constructor(private readonly db: Databases) {}

  async insert(user: NewUser): Promise<string> {
    const result = await this.db.write.execute(
      'INSERT INTO `user` (first_name, second_name, birthdate, gender, biography, city, email, password_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      [
        user.first_name,
        user.second_name,
        user.birthdate,
        user.gender,
        user.biography,
        user.city,
        user.email,
        user.password_hash,
      ],
    );
    return String(result.insertId);
  }

  /**
   * From a slave; a miss is asked of the master too, since a user registered a moment ago may not
   * have reached the slave yet (misses are rare, lag is not).
   */
  async findById(id: string): Promise<UserRow | undefined> {
    const sql = `SELECT ${columns} FROM \`user\` WHERE id = ?`;
    return (
      (await this.db.read.rows<UserRow>(sql, [id]))[0] ?? (await this.db.write.rows<UserRow>(sql, [id]))[0]
    );
  }

  async findOnMaster(id: string): Promise<UserRow | undefined> {
    return (await this.db.write.rows<UserRow>(`SELECT ${columns} FROM \`user\` WHERE id = ?`, [id]))[0];
  }

  async exists(id: string): Promise<boolean> {
    return (await this.findById(id)) !== undefined;
  }

  async passwordHashById(id: string): Promise<string | undefined> {
    const rows = await this.db.write.rows<{ password_hash: string }>(
      'SELECT password_hash FROM `user` WHERE id = ?',
      [id],
    );
    return rows[0]?.password_hash;
  }

  async credentialsByEmail(email: string): Promise<{ id: string; password_hash: string } | undefined> {
    const rows = await this.db.write.rows<{ id: string; password_hash: string }>(
      'SELECT id, password_hash FROM `user` WHERE email = ?',
      [email],
    );
    return rows[0];
  }

  async update(id: string, changes: Partial<NewUser>): Promise<void> {
    const entries = Object.entries(changes).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return;
    // Column names come from NewUser's keys (checked by the caller's schema), values are placeholders.
    const assignments = entries.map(([k]) => `\`${k}\` = ?`).join(', ');
    await this.db.write.execute(`UPDATE \`user\` SET ${assignments} WHERE id = ?`, [
      ...entries.map(([, v]) => v as string | null),
      id,
    ]);
  }

  /**
   * Both prefixes as one range of user_name_prefix, in that index's order: MariaDB reads only the rows
   * it returns. (ORDER BY id instead makes it walk the primary key, about ten times more rows.)
   */
  async searchByNamePrefix(
    firstName: string,
    secondName: string,
    limit: number,
    on: Sql = this.db.read,
  ): Promise<UserRow[]> {
    return on.rows<UserRow>(
      `SELECT ${columns} FROM \`user\`
       WHERE first_name LIKE ? AND second_name LIKE ?
       ORDER BY first_name, second_name, id LIMIT ?`,
      [likePrefix(firstName), likePrefix(secondName), limit],
    );
  }

  async count(): Promise<number> {
    const rows = await this.db.write.rows<{ n: string }>('SELECT COUNT(*) AS n FROM `user`');
    return Number(rows[0]?.n ?? 0);
  }
}
