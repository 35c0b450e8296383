import { describe, expect, it } from 'vitest';
import { TokenGenerations } from './generations.ts';
import { backoffMs, MemoryLimitStore } from './limit-store.ts';
import type { TokenGenerationRepository } from './repository.ts';

const policy = { free: 2, baseMs: 1000, maxMs: 8000, forgetMs: 60_000 };

describe('backoffMs', () => {
  it('is free for the free failures, then doubles from the base up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 1000].map((n) => backoffMs(n, policy))).toEqual([
      0, 0, 1000, 2000, 4000, 8000, 8000, 8000,
    ]);
  });
});

describe('MemoryLimitStore', () => {
  it('counts in fixed windows, locks by the back-off, and forgets', async () => {
    let now = 1_000_000;
    const store = new MemoryLimitStore(100, () => now);
    expect(await store.hit('a', 60_000)).toEqual({ count: 1, resetMs: 60_000 });
    now += 30_000;
    expect(await store.hit('a', 60_000)).toEqual({ count: 2, resetMs: 30_000 });
    now += 30_000;
    expect((await store.hit('a', 60_000)).count).toBe(1);

    for (const expected of [0, 0, 1000]) expect(await store.fail('u', policy, now)).toBe(expected);
    expect(await store.lockedFor('u', now)).toBe(1000);
    expect(await store.lockedFor('u', now + 1000)).toBe(0);
    now += policy.forgetMs;
    expect(await store.fail('u', policy, now)).toBe(0);
    await store.fail('u', policy, now);
    await store.clear('u');
    expect(await store.fail('u', policy, now)).toBe(0);
  });

  it('holds at most maxKeys, dropping expired and then the oldest', async () => {
    const now = 0;
    const store = new MemoryLimitStore(3, () => now);
    for (const key of ['a', 'b', 'c', 'd']) await store.hit(key, 60_000);
    // 'a' went to make room: it starts over.
    expect((await store.hit('a', 60_000)).count).toBe(1);
    expect((await store.hit('d', 60_000)).count).toBe(2);
  });
});

describe('TokenGenerations', () => {
  it('asks the repository once per bound, and sees its own bump at once', async () => {
    let now = 0;
    let stored = 0;
    let reads = 0;
    const repository = {
      current: async () => {
        reads++;
        return stored;
      },
      bump: async () => ++stored,
    } as unknown as TokenGenerationRepository;
    const generations = new TokenGenerations(repository, 2000, 10, () => now);
    expect(await generations.current('1')).toBe(0);
    expect(await generations.current('1')).toBe(0);
    expect(reads).toBe(1);
    stored = 5; // another instance bumped it
    expect(await generations.current('1')).toBe(0);
    now += 2001;
    expect(await generations.current('1')).toBe(5);
    expect(await generations.bump('1')).toBe(6);
    expect(await generations.current('1')).toBe(6);
    expect(reads).toBe(2);
  });
});
