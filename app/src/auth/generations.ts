import type { TokenGenerationRepository } from './repository.ts';

/**
 * Each user's current token generation, asked of the master at most once per `cacheMs` per user on
 * this instance: another instance's revocation is seen within that bound, this instance's at once.
 * The cache holds at most `maxUsers` entries (the oldest go first).
 */
export class TokenGenerations {
  private readonly cache = new Map<string, { generation: number; until: number }>();

  constructor(
    private readonly repository: TokenGenerationRepository,
    private readonly cacheMs: number,
    private readonly maxUsers = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  async current(userId: string): Promise<number> {
    const cached = this.cache.get(userId);
    if (cached && cached.until > this.now()) return cached.generation;
    const generation = await this.repository.current(userId);
    this.remember(userId, generation);
    return generation;
  }

  async bump(userId: string): Promise<number> {
    const generation = await this.repository.bump(userId);
    this.remember(userId, generation);
    return generation;
  }

  private remember(userId: string, generation: number): void {
    this.cache.delete(userId);
    if (this.cache.size >= this.maxUsers) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(userId, { generation, until: this.now() + this.cacheMs });
  }
}
