import { createHmac, timingSafeEqual } from 'node:crypto';

/** What a well-signed, unexpired token says: whose it is and the user's token generation it was issued in. */
export interface TokenClaims {
  userId: string;
  generation: number;
}

/**
 * Bearer tokens are `<user id>.<generation>.<expiry>.<HMAC>`: any app instance checks the signature
 * and expiry without a lookup; the generation is compared with the user's current one (auth/generations.ts),
 * so a password change or "sign out everywhere" ends every token issued before it. Opaque to clients.
 *
 * One spelling only: the numbers without leading zeros and the signature exactly as base64url writes it
 * (43 characters whose last one carries 2 unused bits; the three other spellings of those bits are refused).
 */
export class TokenSigner {
  constructor(
    private readonly secret: string,
    private readonly ttlSeconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  issue(userId: string, generation: number): string {
    const expires = Math.floor(this.now() / 1000) + this.ttlSeconds;
    const body = `${userId}.${generation}.${expires}`;
    return `${body}.${this.sign(body)}`;
  }

  /** The claims, or undefined for a malformed, re-spelled, forged or expired token. */
  verify(token: string): TokenClaims | undefined {
    const match = /^([1-9][0-9]{0,18})\.(0|[1-9][0-9]{0,9})\.([1-9][0-9]{0,11})\.([A-Za-z0-9_-]{43})$/.exec(
      token,
    );
    if (!match) return undefined;
    const body = `${match[1]}.${match[2]}.${match[3]}`;
    // The text itself is compared (in constant time), not the decoded bytes: a re-spelled signature
    // decodes to the same bytes but is not the token that was issued.
    const given = Buffer.from(match[4]!, 'ascii');
    const expected = Buffer.from(this.sign(body), 'ascii');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    if (Number(match[3]) <= Math.floor(this.now() / 1000)) return undefined;
    return { userId: match[1]!, generation: Number(match[2]) };
  }

  private sign(body: string): string {
    return createHmac('sha256', this.secret).update(body).digest('base64url');
  }
}
