import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { blocksOf, reportHolds, unsourcedFigures } from './figures.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

describe('one source per figure', () => {
  it('finds every measured figure of README.md and docs/ in a committed report its text links', () => {
    expect(unsourcedFigures(root)).toEqual([]);
  });

  it('fails a README figure that its report does not contain, and one that names no report', () => {
    const dir = mkdtempSync(join(tmpdir(), 'figures-'));
    try {
      mkdirSync(join(dir, 'docs'));
      mkdirSync(join(dir, 'reports/bench'), { recursive: true });
      writeFileSync(join(dir, 'reports/bench/out.txt'), '1,000,000 users in 35.9 s\n');
      writeFileSync(
        join(dir, 'README.md'),
        'Generated in 54.4 s ([out](reports/bench/out.txt)).\n\nGenerated in 35.9 s ([out](reports/bench/out.txt)).\n',
      );
      writeFileSync(join(dir, 'docs/app.md'), 'Search answers in 9–54 ms.\n');
      expect(unsourcedFigures(dir)).toEqual([
        'README.md:1: "in 54.4 s" is in none of reports/bench/out.txt',
        'docs/app.md:1: "9–54 ms" names no report (link one under reports/)',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('tells measurements from targets and settings', () => {
    const [block] = blocksOf(
      'docs/x.md',
      'Loads at 285,714 rows/s, p99 65.7 ms, 3.88× faster, in 35.9 s, 9–54 ms;\n' +
        'targets: p99 < 100 ms, ≥ 200,000 rows/s, under 60 s; every 10 s, forced after 10 s.',
    );
    expect(block!.figures.map((f) => f.text)).toEqual([
      '285,714 rows/s',
      '65.7 ms',
      '3.88×',
      '9–54 ms',
      'in 35.9 s',
    ]);
    expect(block!.figures.find((f) => f.text === '9–54 ms')!.numbers).toEqual(['9', '54']);
  });

  it('reads the numbers of a table under the paragraph that links its report', () => {
    const blocks = blocksOf(
      'README.md',
      'Latest run: [summary](reports/wrk/a/summary.md).\n\n| series | req/s |\n|---|--:|\n| app | **3,588** |\n',
    );
    expect(blocks[1]).toMatchObject({ reports: ['reports/wrk/a/summary.md'] });
    expect(blocks[1]!.figures.map((f) => f.numbers)).toEqual([['3,588']]);
  });

  it('matches a number only as a whole number, thousands separators aside', () => {
    expect(reportHolds('1,000,000 rows in 3.5 s = 285,714/s', '285,714')).toBe(true);
    expect(reportHolds('1,000,000 rows in 3.5 s = 285,714/s', '3.5')).toBe(true);
    expect(reportHolds('13,930 vs 3,588 req/s = 3.88×', '3.8')).toBe(false);
    expect(reportHolds('13,930 req/s', '3,930')).toBe(false);
    expect(reportHolds('p99 65.7 ms', '65')).toBe(false);
  });
});
