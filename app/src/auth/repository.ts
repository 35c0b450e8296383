import type { Databases } from '../platform/db.ts';

/** The only SQL for user_token_generation (migration 005). Always the master: a revocation must be seen at once. */
export class TokenGenerationRepository {
  constructor(private readonly db: Databases) {}

  async current(userId: string): Promise<number> {
    const rows = await this.db.write.rows<{ generation: number }>(
      'SELECT generation FROM user_token_generation WHERE user_id = ?',
      [userId],
    );
    return Number(rows[0]?.generation ?? 0);
  }

  /** Starts a new generation (ending every token and session of the old one) and returns it. */
  async bump(userId: string): Promise<number> {
    return this.db.write.transaction(async (tx) => {
      await tx.execute(
        'INSERT INTO user_token_generation (user_id, generation) VALUES (?, 1) ON DUPLICATE KEY UPDATE generation = generation + 1',
        [userId],
      );
      const rows = await tx.rows<{ generation: number }>(
        'SELECT generation FROM user_token_generation WHERE user_id = ?',
        [userId],
      );
      return Number(rows[0]!.generation);
    });
  }
}
