import { describe, expect, it } from 'vitest';
import { allProven, type ControlResult, judge, progressLine, renderSummary, verdictOf } from './summary.ts';
import { readOutcome } from './vitest-result.ts';

const mutation = { file: 'toolkit/mysql/candidate.ts', find: 'a - b', replace: 'b - a' };
const outcome = (passed: number, failing: string[]) => ({
  passed,
  failed: failing.length,
  failing: failing.map((name) => ({ name, why: 'AssertionError: expected 1 to be 2' })),
});

function result(name: string, mutated: boolean, passed: number, failing: string[]): ControlResult {
  const runs = [{ file: 'a.test.ts', outcome: outcome(passed, failing), timedOut: false, seconds: 12.34 }];
  return {
    name,
    claim: `claim of ${name}`,
    files: ['a.test.ts'],
    mutations: mutated ? [mutation] : [],
    verdict: judge(mutated, runs),
    runs,
    seconds: 12.34,
  };
}

describe('verdicts', () => {
  it('kill a mutation when any test fails, and let it survive when all pass', () => {
    expect(verdictOf(true, outcome(3, ['t']), false)).toBe('killed');
    expect(verdictOf(true, outcome(3, []), false)).toBe('survived');
    expect(verdictOf(false, outcome(3, []), false)).toBe('passed');
    expect(verdictOf(false, outcome(3, ['t']), false)).toBe('failed');
  });

  it('call a run without results inconclusive, never a kill or a pass', () => {
    expect(verdictOf(true, undefined, true)).toBe('timed-out');
    expect(verdictOf(true, undefined, false)).toBe('error');
    expect(verdictOf(false, outcome(0, []), false)).toBe('failed');
    expect(verdictOf(true, outcome(0, []), false)).toBe('error');
  });

  it('kill a control when one of its files fails, even if another timed out', () => {
    const runs = [
      { file: 'a', timedOut: true, seconds: 1 },
      { file: 'b', outcome: outcome(1, ['t']), timedOut: false, seconds: 1 },
    ];
    expect(judge(true, runs)).toBe('killed');
    expect(judge(true, [runs[0]!])).toBe('timed-out');
    expect(
      judge(false, [{ file: 'b', outcome: outcome(1, []), timedOut: false, seconds: 1 }, runs[0]!]),
    ).toBe('timed-out');
  });

  it('prove the set only when the unmutated run passed and every mutation was killed', () => {
    const clean = result('unmutated', false, 5, []);
    const killed = result('sort-reversed', true, 4, ['t']);
    expect(allProven([clean, killed])).toBe(true);
    expect(allProven([clean, result('sort-reversed', true, 5, [])])).toBe(false);
    expect(allProven([result('unmutated', false, 4, ['t']), killed])).toBe(false);
  });
});

describe('renderSummary', () => {
  it('tables every control with its verdict, shows each mutation and names the failing tests', () => {
    const text = renderSummary(
      [
        result('unmutated', false, 5, []),
        result('sort-reversed', true, 4, ['a.test.ts > failover | promotes']),
      ],
      { when: '2026-12-07 15:00', commit: 'abc1234' },
    );
    expect(text).toContain('# Test controls, 2026-12-07 15:00');
    expect(text).toContain('on commit abc1234');
    expect(text).toContain('Result: every mutation killed, the unmutated tests passed.');
    expect(text).toContain('| unmutated | passed | 0 | `a.test.ts` | 12.3 |');
    expect(text).toContain('| sort-reversed | killed | 1 | `a.test.ts` | 12.3 |');
    expect(text).toContain('```diff\n--- toolkit/mysql/candidate.ts\n- a - b\n+ b - a\n```');
    expect(text).toContain('- `a.test.ts`: 4 passed, 1 failing (12.3 s)');
    expect(text).toContain('  - a.test.ts > failover \\| promotes — AssertionError: expected 1 to be 2');
  });

  it('says NOT PROVEN when a mutation survived', () => {
    const text = renderSummary([result('unmutated', false, 5, []), result('x', true, 5, [])], {
      when: 'w',
      commit: 'c',
    });
    expect(text).toContain('Result: NOT PROVEN');
    expect(text).toContain('| x | survived | 0 |');
  });

  it('says INCOMPLETE while controls are still to run, whatever those run so far found', () => {
    const text = renderSummary([result('unmutated', false, 5, [])], { when: 'w', commit: 'c', pending: 3 });
    expect(text).toContain('Result: INCOMPLETE: 3 control(s) not run yet.');
  });

  it('prints one progress line per control with its elapsed time', () => {
    expect(progressLine(2, 10, result('sort-reversed', true, 4, ['t']))).toBe(
      '[2/10] sort-reversed: killed, 1 failing in 12.3 s',
    );
  });
});

describe('readOutcome', () => {
  it('names failing tests by file and full name, and a file that failed in its set-up', () => {
    const root = '/tmp/tree';
    const got = readOutcome(
      {
        numPassedTests: 1,
        numFailedTests: 1,
        testResults: [
          {
            name: '/tmp/tree/toolkit/a.test.ts',
            status: 'failed',
            assertionResults: [
              { fullName: 'a passes', status: 'passed' },
              { fullName: 'a fails', status: 'failed', failureMessages: ['\nAssertionError: no\n    at x'] },
            ],
          },
          {
            name: '/tmp/tree/toolkit/b.test.ts',
            status: 'failed',
            message: 'Error: cluster refused',
            assertionResults: [],
          },
        ],
      },
      root,
    );
    expect(got).toEqual({
      passed: 1,
      failed: 1,
      failing: [
        { name: 'toolkit/a.test.ts > a fails', why: 'AssertionError: no' },
        { name: 'toolkit/b.test.ts (set-up)', why: 'Error: cluster refused' },
      ],
    });
  });
});
