import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from './password.ts';
import { TokenSigner } from './tokens.ts';

describe('TokenSigner', () => {
  it('issues tokens that verify to their user until they expire', () => {
    let now = Date.UTC(2025, 0, 1);
    const signer = new TokenSigner('s'.repeat(32), 60, () => now);
    const token = signer.issue('42', 3);
    expect(signer.verify(token)).toEqual({ userId: '42', generation: 3 });
    now += 61_000;
    expect(signer.verify(token)).toBeUndefined();
  });

  it('refuses tokens signed with another secret or altered', () => {
    const signer = new TokenSigner('a'.repeat(32), 60);
    const other = new TokenSigner('b'.repeat(32), 60);
    const token = signer.issue('7', 0);
    expect(other.verify(token)).toBeUndefined();
    expect(signer.verify(token.replace(/^7\./, '8.'))).toBeUndefined();
    expect(signer.verify(token.replace(/^7\.0\./, '7.1.'))).toBeUndefined();
    expect(signer.verify(token.replace(/^7\.0\./, '7.00.'))).toBeUndefined();
    expect(signer.verify('')).toBeUndefined();
    expect(signer.verify('7.0.99999999999.short')).toBeUndefined();
  });

  it('accepts one spelling of a signature only: the unused bits of its last character must be zero', () => {
    const signer = new TokenSigner('c'.repeat(32), 60);
    for (let n = 0; n < 20; n++) {
      const token = signer.issue(String(n + 1), n);
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const last = alphabet.indexOf(token.at(-1)!);
      expect(last % 4).toBe(0);
      for (const unused of [1, 2, 3]) {
        const respelled = `${token.slice(0, -1)}${alphabet[last + unused]}`;
        // Same bytes once decoded, yet not the token that was issued.
        expect(Buffer.from(respelled.split('.')[3]!, 'base64url')).toEqual(
          Buffer.from(token.split('.')[3]!, 'base64url'),
        );
        expect(signer.verify(respelled)).toBeUndefined();
      }
      expect(signer.verify(token)).toEqual({ userId: String(n + 1), generation: n });
    }
  });
});

describe('password hashing', () => {
  it('verifies the right password only, with a fresh salt each time', async () => {
    const a = await hashPassword('correct horse');
    const b = await hashPassword('correct horse');
    expect(a).not.toBe(b);
    expect(a.startsWith('scrypt$')).toBe(true);
    expect(await verifyPassword('correct horse', a)).toBe(true);
    expect(await verifyPassword('wrong horse', a)).toBe(false);
    expect(await verifyPassword('correct horse', 'md5$abc')).toBe(false);
  });
});
