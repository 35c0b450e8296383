// The app's contract suite (app/src/contract.db.test.ts) pointed at a running app over HTTP: the same tests
// the in-process suite runs, through CONTRACT_BASE_URL, in a vitest of its own.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { repoRoot } from '../inventory/paths.ts';
import { ToolkitError } from '../procedure/errors.ts';

export const contractSuiteFile = 'app/src/contract.db.test.ts';

export interface ContractRun {
  passed: number;
  failed: number;
  skipped: number;
  /** Full names of the failed tests, with the first line of each failure. */
  failures: string[];
  seconds: number;
}

interface VitestJson {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  testResults: Array<{
    message?: string;
    assertionResults: Array<{ fullName: string; status: string; failureMessages?: string[] }>;
  }>;
}

export async function runContractSuite(baseUrl: string, workDir: string): Promise<ContractRun> {
  const outputFile = join(workDir, 'contract-suite.json');
  // A vitest started from inside a test must not take its parent's worker settings for its own.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST')));
  const started = Date.now();
  const result = await execa(
    join(repoRoot, 'node_modules', '.bin', 'vitest'),
    ['run', contractSuiteFile, '--reporter=json', `--outputFile=${outputFile}`],
    {
      cwd: repoRoot,
      env: { ...env, CONTRACT_BASE_URL: baseUrl },
      extendEnv: false,
      reject: false,
      timeout: 600_000,
      all: true,
    },
  );
  let report: VitestJson;
  try {
    report = JSON.parse(readFileSync(outputFile, 'utf8')) as VitestJson;
  } catch {
    throw new ToolkitError(
      `the contract suite wrote no report (exit ${result.exitCode}): ${`${result.all}`.slice(-500)}`,
    );
  }
  const failures = report.testResults.flatMap((file) => [
    ...(file.message ? [file.message.split('\n')[0]!] : []),
    ...file.assertionResults
      .filter((t) => t.status === 'failed')
      .map((t) => `${t.fullName}: ${(t.failureMessages?.[0] ?? '').split('\n')[0]}`),
  ]);
  return {
    passed: report.numPassedTests,
    failed: report.numFailedTests + (result.exitCode !== 0 && failures.length === 0 ? 1 : 0),
    skipped: report.numPendingTests + report.numTodoTests,
    failures,
    seconds: Math.round((Date.now() - started) / 1000),
  };
}
