import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IdGenerator } from './ids.ts';

describe('IdGenerator', () => {
  it('makes strictly increasing positive 63-bit ids, even when the clock stands still or goes back', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 1, maxLength: 6000 }),
        fc.integer({ min: 0, max: 1023 }),
        (steps, instance) => {
          let now = Date.UTC(2026, 0, 1);
          const ids = new IdGenerator(instance, () => now);
          let last = 0n;
          for (const step of steps) {
            now += step;
            const id = ids.next();
            expect(id).toBeGreaterThan(last);
            expect(id).toBeLessThan(2n ** 63n);
            last = id;
          }
        },
      ),
      { numRuns: 30 },
    );
  });

  it('keeps instances apart', () => {
    const now = () => Date.UTC(2026, 0, 1);
    expect(new IdGenerator(1, now).next()).not.toBe(new IdGenerator(2, now).next());
  });
});
