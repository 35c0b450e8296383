import type { Redis } from 'ioredis';

const key = (userId: string) => `unread:${userId}`;
/** Present in every built hash: a hash without it was never built or was lost, and is rebuilt. */
const builtField = '_built';
const ttlSeconds = 86_400;

// Changes a count only in a built hash (a missing one is rebuilt from MySQL at its next read), and
// never lets it go below zero.
const changeScript = `
if redis.call('HEXISTS', KEYS[1], '${builtField}') == 0 then return -1 end
local v = redis.call('HINCRBY', KEYS[1], ARGV[1], ARGV[2])
if v <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]) return 0 end
return v`;

type CounterRedis = Redis & { unreadChange(key: string, peerId: string, by: number): Promise<number> };

/** Unread messages per (user, peer) in one Redis hash per user; MySQL can always rebuild it. */
export class UnreadStore {
  private readonly redis: CounterRedis;

  constructor(redis: Redis) {
    redis.defineCommand('unreadChange', { numberOfKeys: 1, lua: changeScript });
    this.redis = redis as CounterRedis;
  }

  async change(userId: string, peerId: string, by: number): Promise<void> {
    await this.redis.unreadChange(key(userId), peerId, by);
  }

  /** Counts by peer id, or undefined when the hash has to be rebuilt. */
  async read(userId: string): Promise<Map<string, number> | undefined> {
    const hash = await this.redis.hgetall(key(userId));
    if (hash[builtField] === undefined) return undefined;
    const out = new Map<string, number>();
    for (const [peer, value] of Object.entries(hash))
      if (peer !== builtField && Number(value) > 0) out.set(peer, Number(value));
    return out;
  }

  async build(userId: string, counts: Map<string, number>): Promise<void> {
    const k = key(userId);
    const fields = [...counts].filter(([, n]) => n > 0).flatMap(([peer, n]) => [peer, String(n)]);
    await this.redis
      .multi()
      .del(k)
      .hset(k, builtField, '1', ...fields)
      .expire(k, ttlSeconds)
      .exec();
  }

  async drop(userId: string): Promise<void> {
    await this.redis.del(key(userId));
  }
}
