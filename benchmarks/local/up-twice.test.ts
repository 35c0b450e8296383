import { describe, expect, it } from 'vitest';
import { type UpTwice, upTwiceMarkdown } from './up-twice.ts';

const result: UpTwice = {
  startedAt: '2026-12-08T10:00:00Z',
  fresh: true,
  cores: 2,
  loadBefore: [1.5, 1.2, 1],
  first: { seconds: 92.4, changed: 57, steps: 80, loadAfter: [2.1, 1.6, 1.2] },
  second: { seconds: 11.3, changed: 0, steps: 75, loadAfter: [1.9, 1.6, 1.2] },
  status: [
    { component: 'mysql master', name: 'db1', address: '127.0.0.1:30100', health: 'up', detail: 'a | b' },
  ],
};

describe('the up-twice summary', () => {
  it('has both runs with seconds, changes and load, and every component', () => {
    const text = upTwiceMarkdown(result);
    expect(text).toContain('| first up | 92.4 | 57 | 80 | 2.1 / 1.6 / 1.2 |');
    expect(text).toContain('| second up | 11.3 | 0 | 75 | 1.9 / 1.6 / 1.2 |');
    expect(text).toContain('Second up: 0 changed.');
    expect(text).toContain('from no state at all');
    expect(text).toContain('| mysql master | db1 | 127.0.0.1:30100 | up | a \\| b |');
  });

  it('says so when the second up changed something', () => {
    expect(upTwiceMarkdown({ ...result, second: { ...result.second, changed: 2 } })).toContain(
      '2 changed — NOT idempotent',
    );
  });
});
