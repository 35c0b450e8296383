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

/** Whose a signed-in session is, and the user's token generation when it was made (see auth/generations.ts). */
export interface SessionUser {
  userId: string;
  generation: number;
}

const sessionValue = /^([1-9][0-9]{0,18})\.(0|[1-9][0-9]{0,9})$/;

/**
 * Browser sessions: every browser gets a random id in an HttpOnly cookie; a logged-in one maps to its
 * user and token generation in Redis (so logging out really ends it, and a password change or "sign out
 * everywhere" ends it through the generation). The CSRF token is an HMAC of the session id: forms carry
 * it, a cross-site page can neither read nor forge it.
 */
export class Sessions {
  constructor(
    private readonly redis: Redis,
    private readonly secret: string,
    readonly ttlSeconds: number,
  ) {}

  /** The user of a logged-in session; each use pushes its expiry back (sliding). */
  async userOf(sid: string): Promise<SessionUser | undefined> {
    let value: string | null;
    try {
      value = await this.redis.getex(key(sid), 'EX', this.ttlSeconds);
    } catch (error) {
      throw new DependencyUnavailable('redis', error);
    }
    const match = sessionValue.exec(value ?? '');
    return match ? { userId: match[1]!, generation: Number(match[2]) } : undefined;
  }

  /** A fresh id for a login, never the one the browser had before (no session fixation). */
  async create(user: SessionUser): Promise<string> {
    const sid = newSid();
    try {
      await this.redis.set(key(sid), `${user.userId}.${user.generation}`, 'EX', this.ttlSeconds);
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
