import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { controlFiles, controls } from './controls.ts';
import { checkMutations } from './run.ts';

// The full run (scripts/test-controls.mjs) takes most of an hour: npm test only checks that it still could run.
describe('the test controls', () => {
  it('still find the text each mutates, exactly once, in the tree as it is', () => {
    expect(() => checkMutations(process.cwd(), controls)).not.toThrow();
  });

  it('name test files that exist, and have unique names', () => {
    for (const file of controlFiles(controls)) expect(existsSync(file), file).toBe(true);
    expect(new Set(controls.map((c) => c.name)).size).toBe(controls.length);
  });

  it("cover issue #19's claims: the candidate sort, semi-sync, the replicator's batches, the celebrity branch", () => {
    expect(controls.map((c) => c.name)).toEqual(
      expect.arrayContaining([
        'candidate-sort-reversed',
        'semisync-off',
        'replicator-position-before-rows',
        'replicator-position-after-rows',
        'replicator-double-apply',
        'celebrity-branch-deleted',
      ]),
    );
  });
});
