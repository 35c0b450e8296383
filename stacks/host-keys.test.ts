// Host keys from guest attributes (issue 20): what is taken from the guest agent's namespace, which key
// the command provider gets, and the wait for a guest agent that has not published yet.
import { describe, expect, it } from 'vitest';
import { connectionHostKey, hostKeysFrom, readHostKeys } from './host-keys.ts';

const published = [
  { namespace: 'hostkeys', key: 'ssh-ed25519', value: 'AAAAC3NzaC1lZDI1NTE5AAAAIEd25519key' },
  { namespace: 'hostkeys', key: 'ecdsa-sha2-nistp256', value: 'AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYecdsa=\n' },
  { namespace: 'hostkeys', key: 'ssh-rsa', value: 'AAAAB3NzaC1yc2Ersa' },
  { namespace: 'other', key: 'ssh-ed25519', value: 'AAAAnotahostkey' },
  { namespace: 'hostkeys', key: 'ssh-dss', value: 'AAAAB3NzaC1kc3Mdsa' },
  { namespace: 'hostkeys', key: 'ssh-ed25519x', value: 'not base64 at all!' },
];

describe('host keys from guest attributes', () => {
  it("takes only the hostkeys/ namespace's known key types, trimmed", () => {
    expect(hostKeysFrom(published)).toEqual([
      { type: 'ecdsa-sha2-nistp256', key: 'AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYecdsa=' },
      { type: 'ssh-ed25519', key: 'AAAAC3NzaC1lZDI1NTE5AAAAIEd25519key' },
      { type: 'ssh-rsa', key: 'AAAAB3NzaC1yc2Ersa' },
    ]);
  });

  it('gives the command provider the ECDSA key, else Ed25519, and refuses none', () => {
    expect(connectionHostKey(hostKeysFrom(published))).toBe(
      'ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYecdsa=',
    );
    expect(connectionHostKey(hostKeysFrom(published.filter((v) => !v.key.startsWith('ecdsa'))))).toBe(
      'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEd25519key',
    );
    expect(() => connectionHostKey([])).toThrow('no host key to pin');
  });

  it('polls until the guest agent has published, through errors, then returns the keys', async () => {
    let calls = 0;
    const keys = await readHostKeys(
      async () => {
        calls += 1;
        if (calls === 1) throw new Error('instance not found');
        return calls < 4 ? [] : published;
      },
      'dev-app',
      { timeoutMs: 5000, intervalMs: 5, attemptTimeoutMs: 1000 },
    );
    expect(calls).toBe(4);
    expect(keys).toHaveLength(3);
  });

  it('gives up on an attempt that hangs and tries again', async () => {
    let calls = 0;
    const keys = await readHostKeys(
      () => {
        calls += 1;
        return calls === 1 ? new Promise(() => {}) : Promise.resolve(published);
      },
      'dev-app',
      { timeoutMs: 5000, intervalMs: 5, attemptTimeoutMs: 50 },
    );
    expect([calls, keys.length]).toEqual([2, 3]);
  });

  it('fails with one line naming the instance once the deadline passes', async () => {
    await expect(
      readHostKeys(async () => [], 'dev-app', { timeoutMs: 50, intervalMs: 10, attemptTimeoutMs: 1000 }),
    ).rejects.toThrow(
      /^timed out after 0 s waiting for dev-app's SSH host keys \(guest attributes hostkeys\/\): no key under guest attributes hostkeys\/ yet$/,
    );
  });
});
