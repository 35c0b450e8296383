/**
 * The distinct first names of a first-name prefix, as the database answered them, kept `ttlMs`: the
 * expanded search's first statement (the names) is then asked once per prefix and moment instead of
 * once per search, which halves its round trips (docs/performance.md).
 *
 * Why it stays correct: a stale list can only miss a first name that appeared since it was read (a
 * name that vanished finds no rows in `IN (...)`). This instance clears the cache once it has written
 * a first name (sign-up, profile change), and a list read while that write was under way is not kept
 * (ticket), so its own users are found at once (on the master; a slave shows them after its lag); a first name new to the
 * whole table written through another instance is found after at most `ttlMs` (plus the slaves' lag,
 * which the search tolerates anyway). Bounded: at `maxEntries` prefixes the oldest goes.
 */
export class FirstNamesCache {
  private readonly entries = new Map<string, { names: string[]; until: number }>();
  /** Moves on at every clear(): a list read before it is not stored after it. */
  private generation = 0;

  constructor(
    readonly ttlMs: number,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  get(prefix: string): string[] | undefined {
    const entry = this.entries.get(prefix);
    if (!entry) return undefined;
    if (entry.until > this.now()) return entry.names;
    this.entries.delete(prefix);
    return undefined;
  }

  /** Taken before reading a list from the database, handed to set() with it. */
  ticket(): number {
    return this.generation;
  }

  set(prefix: string, names: string[], ticket: number): void {
    if (this.ttlMs <= 0 || ticket !== this.generation) return;
    this.entries.delete(prefix);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(prefix, { names, until: this.now() + this.ttlMs });
  }

  /** A first name was written here: any list may now miss it. */
  clear(): void {
    this.generation++;
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
