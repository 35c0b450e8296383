import { describe, expect, it } from 'vitest';
import { type MutationReport, summarize } from './summary.ts';

const mutant = (id: string, status: string) => ({
  id,
  mutatorName: 'EqualityOperator',
  replacement: 'a <= b',
  status,
  location: { start: { line: 1, column: 1 }, end: { line: 1, column: 2 } },
});

describe('summarize', () => {
  it("gives each module's score and counts, and the total", () => {
    const report = {
      files: {
        'toolkit/b.ts': {
          language: 'typescript',
          source: 'x',
          mutants: [mutant('1', 'Killed'), mutant('2', 'Survived')],
        },
        'toolkit/a.ts': {
          language: 'typescript',
          source: 'y',
          mutants: [
            mutant('3', 'Killed'),
            mutant('4', 'Timeout'),
            mutant('5', 'NoCoverage'),
            mutant('6', 'Killed'),
          ],
        },
      },
    } as unknown as MutationReport;
    const text = summarize(report, '2026-12-07');
    expect(text).toContain('| `toolkit/a.ts` | 75.00 | 2 | 1 | 0 | 1 | 4 |');
    expect(text).toContain('| `toolkit/b.ts` | 50.00 | 1 | 0 | 1 | 0 | 2 |');
    expect(text).toContain('| **all** | **66.67** | 3 | 1 | 1 | 1 | 6 |');
    expect(text.indexOf('toolkit/a.ts')).toBeLessThan(text.indexOf('toolkit/b.ts'));
  });
});
