import type { Control } from './controls.ts';
import { describeMutation } from './mutation.ts';
import type { TestOutcome } from './vitest-result.ts';

/**
 * killed: the named tests failed under the mutation (what a control expects); survived: they all
 * passed; passed/failed: the unmutated run; timed-out or error: inconclusive (no result to judge).
 */
export type Verdict = 'killed' | 'survived' | 'passed' | 'failed' | 'timed-out' | 'error';

export interface ControlResult {
  /** `unmutated` for the run without a mutation. */
  name: string;
  claim: string;
  files: string[];
  mutations: Control['mutations'];
  verdict: Verdict;
  /** One vitest run per test file, so each file shows on its own whether it caught the mutation. */
  runs: FileRun[];
  seconds: number;
}

export interface FileRun {
  file: string;
  outcome?: TestOutcome;
  /** Why the run gave no test results (a timeout, vitest not starting), when it gave none. */
  problem?: string;
  timedOut: boolean;
  seconds: number;
}

/** The control's verdict from its runs: killed when any file failed; inconclusive runs are named. */
export function judge(mutated: boolean, runs: FileRun[]): Verdict {
  const verdicts = runs.map((run) => verdictOf(mutated, run.outcome, run.timedOut));
  if (mutated && verdicts.includes('killed')) return 'killed';
  if (!mutated && verdicts.includes('failed')) return 'failed';
  return verdicts.find((v) => v === 'timed-out' || v === 'error') ?? verdicts[0] ?? 'error';
}

export function failingOf(result: ControlResult): TestOutcome['failing'] {
  return result.runs.flatMap((run) => run.outcome?.failing ?? []);
}

/** Judges one run: a mutation must make some test fail, the unmutated run must pass. */
export function verdictOf(mutated: boolean, outcome: TestOutcome | undefined, timedOut: boolean): Verdict {
  if (timedOut) return 'timed-out';
  if (!outcome) return 'error';
  const failed = outcome.failing.length > 0;
  if (mutated) return failed ? 'killed' : outcome.passed > 0 ? 'survived' : 'error';
  return failed || outcome.passed === 0 ? 'failed' : 'passed';
}

/** The tool's exit: clean only when the unmutated run passed and every mutation was killed. */
export function allProven(results: ControlResult[]): boolean {
  return results.every((r) => (r.mutations.length === 0 ? r.verdict === 'passed' : r.verdict === 'killed'));
}

export function progressLine(index: number, total: number, result: ControlResult): string {
  const problems = result.runs.flatMap((run) => (run.problem ? [`${run.file}: ${run.problem}`] : []));
  const problem = problems.length > 0 ? ` (${problems.join('; ')})` : '';
  return `[${index}/${total}] ${result.name}: ${result.verdict}, ${failingOf(result).length} failing${problem} in ${result.seconds.toFixed(1)} s`;
}

export function renderSummary(
  results: ControlResult[],
  meta: { when: string; commit: string; pending?: number },
): string {
  const pending = meta.pending ?? 0;
  const verdict =
    pending > 0
      ? `INCOMPLETE: ${pending} control(s) not run yet`
      : allProven(results)
        ? 'every mutation killed, the unmutated tests passed'
        : 'NOT PROVEN: see the verdicts below';
  const lines = [
    `# Test controls, ${meta.when}`,
    '',
    `Command: \`npx zx scripts/test-controls.mjs\` on commit ${meta.commit} (a copy of the tree per control).`,
    'Each control applies one small mutation and runs the named test files with vitest (`--bail 1`: one',
    'failing test is enough to kill it); the unmutated run of every named file must pass.',
    `Result: ${verdict}.`,
    '',
    '| control | verdict | failing tests | test files | time (s) |',
    '|---|---|--:|---|--:|',
  ];
  for (const r of results)
    lines.push(
      `| ${r.name} | ${r.verdict} | ${failingOf(r).length} | ${r.files.map((f) => `\`${f}\``).join(', ')} | ${r.seconds.toFixed(1)} |`,
    );
  for (const r of results) {
    lines.push('', `## ${r.name}`, '', `Claim: ${r.claim}.`, '');
    if (r.mutations.length > 0) lines.push('```diff', ...r.mutations.map(describeMutation), '```', '');
    for (const run of r.runs) {
      const counts = run.outcome
        ? `${run.outcome.passed} passed, ${run.outcome.failing.length} failing`
        : `no result: ${run.problem ?? 'unknown'}`;
      lines.push(`- \`${run.file}\`: ${counts} (${run.seconds.toFixed(1)} s)`);
      for (const f of run.outcome?.failing ?? [])
        lines.push(`  - ${escapeText(f.name)} — ${escapeText(f.why)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function escapeText(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/`/g, "'");
}
