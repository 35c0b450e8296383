import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from './password.ts';
import { TokenSigner } from './tokens.ts';

describe('TokenSigner', () => {
  it('issues tokens that verify to their user until they expire', () => {
    let now = Date.UTC(2025, 0, 1);
    const signer = new TokenSigner('s'.repeat(32), 60, () => now);
    const token = signer.issue('42');
    expect(signer.verify(token)).toBe('42');
    now += 61_000;
    expect(signer.verify(token)).toBeUndefined();
  });

  it('refuses tokens signed with another secret or altered', () => {
    const signer = new TokenSigner('a'.repeat(32), 60);
    const other = new TokenSigner('b'.repeat(32), 60);
    const token = signer.issue('7');
    expect(other.verify(token)).toBeUndefined();
    expect(signer.verify(token.replace(/^7\./, '8.'))).toBeUndefined();
    expect(signer.verify('')).toBeUndefined();
    expect(signer.verify('7.99999999999.short')).toBeUndefined();
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
