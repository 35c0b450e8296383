import { describe, expect, it, vi } from 'vitest';
import { waitFor } from './poll.ts';

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(Error);
    return error as Error;
  }
  throw new Error('expected waitFor to time out, it resolved');
}

describe('waitFor', () => {
  it('resolves with the first defined value', async () => {
    let calls = 0;
    const value = await waitFor(
      async () => {
        calls++;
        return calls >= 3 ? { lag: 0 } : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 1, what: 'the slave to catch up' },
    );
    expect(value).toEqual({ lag: 0 });
    expect(calls).toBe(3);
  });

  it('treats falsy values other than undefined as ready', async () => {
    expect(await waitFor(async () => 0, { timeoutMs: 0, what: 'x' })).toBe(0);
    expect(await waitFor(async () => false, { timeoutMs: 0, what: 'x' })).toBe(false);
    expect(await waitFor(async () => null, { timeoutMs: 0, what: 'x' })).toBeNull();
    expect(await waitFor(async () => '', { timeoutMs: 0, what: 'x' })).toBe('');
  });

  it('checks at least once even with no time at all', async () => {
    let calls = 0;
    const error = await rejection(
      waitFor(
        async () => {
          calls++;
          return undefined;
        },
        { timeoutMs: 0, what: 'db2' },
      ),
    );
    expect(calls).toBe(1);
    expect(error.message).toBe('timed out after 0 s waiting for db2');
  });

  it('puts the last reason given into the timeout message', async () => {
    let calls = 0;
    const error = await rejection(
      waitFor(
        async (why) => {
          calls++;
          why(`io Connecting (attempt ${calls})`);
          return undefined;
        },
        { timeoutMs: 20, intervalMs: 1, what: 'db2 to replicate' },
      ),
    );
    expect(error.message).toBe(
      `timed out after 0 s waiting for db2 to replicate: io Connecting (attempt ${calls})`,
    );
  });

  it('keeps a reason given in an earlier round when later rounds give none', async () => {
    let calls = 0;
    const error = await rejection(
      waitFor(
        async (why) => {
          calls++;
          if (calls === 1) why('port closed');
          return undefined;
        },
        { timeoutMs: 20, intervalMs: 1, what: 'db1' },
      ),
    );
    expect(error.message).toBe('timed out after 0 s waiting for db1: port closed');
  });

  it('uses a thrown error as the reason, and keeps polling after it', async () => {
    let calls = 0;
    const value = await waitFor(
      async () => {
        calls++;
        if (calls === 1) throw new Error('ECONNREFUSED');
        return 'up';
      },
      { timeoutMs: 60_000, intervalMs: 1, what: 'db1' },
    );
    expect(value).toBe('up');

    const error = await rejection(
      waitFor(
        async () => {
          throw new Error('connect ECONNREFUSED 127.0.0.1:10100');
        },
        { timeoutMs: 0, what: 'db1' },
      ),
    );
    expect(error.message).toBe('timed out after 0 s waiting for db1: connect ECONNREFUSED 127.0.0.1:10100');
  });

  it('takes a thrown non-error as the reason too', async () => {
    const error = await rejection(
      waitFor(
        async () => {
          throw 'not an Error';
        },
        { timeoutMs: 0, what: 'x' },
      ),
    );
    expect(error.message).toBe('timed out after 0 s waiting for x: not an Error');
  });

  it('states the timeout in whole seconds', async () => {
    // The clock is moved by the check itself: no real time passes.
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(1_000_000);
      const error = await rejection(
        waitFor(
          async (why) => {
            vi.setSystemTime(Date.now() + 91_000);
            why('still copying');
            return undefined;
          },
          { timeoutMs: 90_400, what: 'the copy' },
        ),
      );
      expect(error.message).toBe('timed out after 90 s waiting for the copy: still copying');
    } finally {
      vi.useRealTimers();
    }
  });

  it('polls again until the deadline passes', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(0);
      let calls = 0;
      await rejection(
        waitFor(
          async () => {
            calls++;
            vi.setSystemTime(calls * 1000);
            return undefined;
          },
          { timeoutMs: 5000, intervalMs: 0, what: 'x' },
        ),
      );
      // Checks at t=0..4 s end below the deadline; the fifth check moves the clock to 5 s, which ends the wait.
      expect(calls).toBe(5);
    } finally {
      vi.useRealTimers();
    }
  });
});
