import { calculateMetrics } from 'mutation-testing-metrics';
import type { FileResult } from 'mutation-testing-report-schema';

/** What the summary needs of a Stryker JSON report (mutation-testing-report-schema). */
export interface MutationReport {
  files: Record<string, FileResult>;
}

const pct = (n: number) => (Number.isNaN(n) ? '–' : n.toFixed(2));

/**
 * The per-module table of a mutation run, as Markdown: the score (killed + timed out over all valid
 * mutants, Stryker's definition) and the counts behind it. reports/mutation/summary.md is this, written by
 * `npm run mutation`; README quotes it.
 */
export function summarize(report: MutationReport, when: string): string {
  const rows: string[] = [];
  for (const [file, fileResult] of Object.entries(report.files).sort(([a], [b]) => a.localeCompare(b))) {
    const m = calculateMetrics({ [file]: fileResult }).metrics;
    rows.push(
      `| \`${file}\` | ${pct(m.mutationScore)} | ${m.killed} | ${m.timeout} | ${m.survived} | ${m.noCoverage} | ${m.totalValid} |`,
    );
  }
  const all = calculateMetrics(report.files).metrics;
  return [
    `# Mutation testing: ${when}`,
    '',
    'Command: `npm run mutation` (Stryker with the vitest runner; `stryker.config.mjs`, the unit tests of',
    '`vitest.mutation.config.ts`). Score = (killed + timed out) / valid mutants, in %.',
    '',
    '| module | score | killed | timed out | survived | no coverage | mutants |',
    '|---|--:|--:|--:|--:|--:|--:|',
    ...rows,
    `| **all** | **${pct(all.mutationScore)}** | ${all.killed} | ${all.timeout} | ${all.survived} | ${all.noCoverage} | ${all.totalValid} |`,
    '',
    'Surviving mutants and why they remain: docs/mutation.md. Full results: mutation.json beside this file.',
    '',
  ].join('\n');
}
