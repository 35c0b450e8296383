import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';

/** How failures of one account lock it: `free` failures cost nothing, then 1 s, 2 s, 4 s, … up to `maxMs`. */
export interface BackoffPolicy {
  free: number;
  baseMs: number;
  maxMs: number;
  /** A record of failures is forgotten this long after the last one. */
  forgetMs: number;
}

/** Counters for the login and registration limits, shared by every instance (Redis) or per process. */
export interface LimitStore {
  /** Counts one event in the key's fixed window: the count so far and the ms until the window ends. */
  hit(key: string, windowMs: number): Promise<{ count: number; resetMs: number }>;
  /** How many ms the key stays locked (0: not locked). */
  lockedFor(key: string, now: number): Promise<number>;
  /** Records a failure; the lock (ms) that the back-off now sets, 0 while failures are free. */
  fail(key: string, policy: BackoffPolicy, now: number): Promise<number>;
  clear(key: string): Promise<void>;
}

/** The lock after `failures` failures. */
export function backoffMs(failures: number, policy: BackoffPolicy): number {
  if (failures <= policy.free) return 0;
  return Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(failures - policy.free - 1, 40));
}

// Fixed window: the first hit starts it (a key left without expiry by a crash gets one again).
const hitScript = `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {count, ttl}`;

// The same back-off as backoffMs, atomically: f = failures, u = locked until (ms since the epoch).
const failScript = `
local failures = redis.call('HINCRBY', KEYS[1], 'f', 1)
local free, base, max, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local lock = 0
if failures > free then lock = math.min(max, base * 2 ^ math.min(failures - free - 1, 40)) end
if lock > 0 then redis.call('HSET', KEYS[1], 'u', now + lock) end
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return lock`;

export class RedisLimitStore implements LimitStore {
  constructor(private readonly redis: Redis) {}

  get ready(): boolean {
    return this.redis.status === 'ready';
  }

  async hit(key: string, windowMs: number) {
    const [count, resetMs] = (await this.redis.eval(hitScript, 1, key, windowMs)) as [number, number];
    return { count, resetMs };
  }

  async lockedFor(key: string, now: number): Promise<number> {
    const until = Number((await this.redis.hget(key, 'u')) ?? 0);
    return Math.max(0, until - now);
  }

  async fail(key: string, policy: BackoffPolicy, now: number): Promise<number> {
    const args = [policy.free, policy.baseMs, policy.maxMs, now, policy.forgetMs];
    return Number(await this.redis.eval(failScript, 1, key, ...args));
  }

  async clear(key: string): Promise<void> {
    await this.redis.del(key);
  }
}

interface MemoryEntry {
  count: number;
  lockedUntil: number;
  expires: number;
}

/** The same counters in this process only: what the limits fall back to while Redis is away. */
export class MemoryLimitStore implements LimitStore {
  private readonly entries = new Map<string, MemoryEntry>();

  constructor(
    private readonly maxKeys = 100_000,
    private readonly clock: () => number = Date.now,
  ) {}

  async hit(key: string, windowMs: number) {
    const entry =
      this.live(key) ?? this.put(key, { count: 0, lockedUntil: 0, expires: this.clock() + windowMs });
    entry.count++;
    return { count: entry.count, resetMs: entry.expires - this.clock() };
  }

  async lockedFor(key: string, now: number): Promise<number> {
    return Math.max(0, (this.live(key)?.lockedUntil ?? 0) - now);
  }

  async fail(key: string, policy: BackoffPolicy, now: number): Promise<number> {
    const entry = this.live(key) ?? this.put(key, { count: 0, lockedUntil: 0, expires: 0 });
    entry.count++;
    const lock = backoffMs(entry.count, policy);
    if (lock > 0) entry.lockedUntil = now + lock;
    entry.expires = this.clock() + policy.forgetMs;
    return lock;
  }

  async clear(key: string): Promise<void> {
    this.entries.delete(key);
  }

  private live(key: string): MemoryEntry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expires <= this.clock()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private put(key: string, entry: MemoryEntry): MemoryEntry {
    if (this.entries.size >= this.maxKeys) {
      const now = this.clock();
      for (const [k, e] of this.entries) if (e.expires <= now) this.entries.delete(k);
      // Still full: the oldest key goes (an attacker filling the map only forgets its own oldest counts).
      if (this.entries.size >= this.maxKeys) this.entries.delete(this.entries.keys().next().value!);
    }
    this.entries.set(key, entry);
    return entry;
  }
}

/**
 * Redis while it answers, so every instance shares one budget; this process's own counters while it
 * does not, so the limits degrade to per-instance ones and never to none.
 */
export class FallbackLimitStore implements LimitStore {
  private degraded = false;

  constructor(
    private readonly shared: RedisLimitStore,
    private readonly local: LimitStore,
    private readonly log: FastifyBaseLogger,
  ) {}

  hit(key: string, windowMs: number) {
    return this.either((s) => s.hit(key, windowMs));
  }

  lockedFor(key: string, now: number) {
    return this.either((s) => s.lockedFor(key, now));
  }

  fail(key: string, policy: BackoffPolicy, now: number) {
    return this.either((s) => s.fail(key, policy, now));
  }

  clear(key: string) {
    return this.either((s) => s.clear(key));
  }

  private async either<T>(work: (store: LimitStore) => Promise<T>): Promise<T> {
    if (this.shared.ready) {
      try {
        const result = await work(this.shared);
        if (this.degraded) this.log.warn('rate limits: Redis answers again, limits are shared again');
        this.degraded = false;
        return result;
      } catch (error) {
        this.degrade((error as Error).message);
      }
    } else {
      this.degrade('not connected');
    }
    return work(this.local);
  }

  private degrade(reason: string): void {
    if (!this.degraded) this.log.warn({ reason }, 'rate limits: Redis unavailable, limiting in this process');
    this.degraded = true;
  }
}
