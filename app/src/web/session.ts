import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';
import { DependencyUnavailable } from '../platform/errors.ts';

export const sessionCookie = 'hs_session';
const sidPattern = /^[A-Za-z0-9_-]{43}$/;

/** Redis holds a hash of the cookie's value, so a copy of Redis does not let anyone in. */
const key = (sid: string) => `web:session:${createHash('sha256').update(sid).digest('hex')}`;

export const newSid = (): string => randomBytes(32).toString('base64url');
export const isSid = (value: string | undefined): value is string =>
  value !== undefined && sidPattern.test(value);

/**
 * Browser sessions: every browser gets a random id in an HttpOnly cookie; a logged-in one maps to its
 * user in Redis (so logging out really ends it, unlike a bearer token). The CSRF token is an HMAC of
 * the session id: forms carry it, a cross-site page can neither read nor forge it.
 */
export class Sessions {
  constructor(
    private readonly redis: Redis,
    private readonly secret: string,
    readonly ttlSeconds: number,
  ) {}

  /** The user of a logged-in session; each use pushes its expiry back (sliding). */
  async userOf(sid: string): Promise<string | undefined> {
    try {
      return (await this.redis.getex(key(sid), 'EX', this.ttlSeconds)) ?? undefined;
    } catch (error) {
      throw new DependencyUnavailable('redis', error);
    }
  }

  /** A fresh id for a login, never the one the browser had before (no session fixation). */
  async create(userId: string): Promise<string> {
    const sid = newSid();
    try {
      await this.redis.set(key(sid), userId, 'EX', this.ttlSeconds);
    } catch (error) {
      throw new DependencyUnavailable('redis', error);
    }
    return sid;
  }

  async destroy(sid: string): Promise<void> {
    try {
      await this.redis.del(key(sid));
    } catch (error) {
      throw new DependencyUnavailable('redis', error);
    }
  }

  csrfToken(sid: string): string {
    return createHmac('sha256', this.secret).update(`csrf:${sid}`).digest('base64url');
  }

  checkCsrf(sid: string, given: unknown): boolean {
    if (typeof given !== 'string') return false;
    const expected = Buffer.from(this.csrfToken(sid));
    const actual = Buffer.from(given);
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }
}
