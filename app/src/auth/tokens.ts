import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Bearer tokens are `<user id>.<expiry>.<HMAC>`: any app instance checks one without a lookup,
 * and it stops working at its expiry. Opaque to clients.
 */
export class TokenSigner {
  constructor(
    private readonly secret: string,
    private readonly ttlSeconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  issue(userId: string): string {
    const expires = Math.floor(this.now() / 1000) + this.ttlSeconds;
    const body = `${userId}.${expires}`;
    return `${body}.${this.sign(body)}`;
  }

  /** The user id, or undefined for a malformed, forged or expired token. */
  verify(token: string): string | undefined {
    const match = /^([1-9][0-9]{0,18})\.([0-9]{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token);
    if (!match) return undefined;
    const body = `${match[1]}.${match[2]}`;
    const given = Buffer.from(match[3]!, 'base64url');
    const expected = Buffer.from(this.sign(body), 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    if (Number(match[2]) <= Math.floor(this.now() / 1000)) return undefined;
    return match[1];
  }

  private sign(body: string): string {
    return createHmac('sha256', this.secret).update(body).digest('base64url');
  }
}
