/** The part of vitest's JSON reporter output (`--reporter=json`) a control reads. */
export interface VitestJson {
  numPassedTests: number;
  numFailedTests: number;
  testResults: Array<{
    name: string;
    status: string;
    message?: string;
    assertionResults: Array<{ fullName: string; status: string; failureMessages?: string[] }>;
  }>;
}

export interface TestOutcome {
  passed: number;
  failed: number;
  /** Failing tests by full name, and a test file that failed outside any test (its set-up) by its path. */
  failing: Array<{ name: string; why: string }>;
}

/** What failed and why, from the JSON report; file paths made relative to the tree that ran them. */
export function readOutcome(report: VitestJson, root: string): TestOutcome {
  const failing: TestOutcome['failing'] = [];
  for (const file of report.testResults) {
    const path = file.name.startsWith(`${root}/`) ? file.name.slice(root.length + 1) : file.name;
    const tests = file.assertionResults.filter((test) => test.status === 'failed');
    for (const test of tests)
      failing.push({ name: `${path} > ${test.fullName}`, why: firstLine(test.failureMessages?.[0]) });
    if (file.status === 'failed' && tests.length === 0)
      failing.push({ name: `${path} (set-up)`, why: firstLine(file.message) });
  }
  return { passed: report.numPassedTests, failed: report.numFailedTests, failing };
}

function firstLine(text: string | undefined): string {
  const line = (text ?? '').split('\n').find((l) => l.trim() !== '') ?? '';
  return line.length > 240 ? `${line.slice(0, 237)}...` : line.trim();
}
