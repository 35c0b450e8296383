// Mutation testing of the pure modules only (issue 19): GTID arithmetic, candidate choice, key ranges,
// flavor parsing, argument parsing, redaction and the Run framework, against their unit tests.
// `npm run mutation`; not part of `npm test` (it reruns the unit tests once per mutant).
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: { configFile: 'vitest.mutation.config.ts' },
  mutate: [
    'toolkit/mysql/gtid.ts',
    'toolkit/mysql/candidate.ts',
    'toolkit/vitess/keyrange.ts',
    'toolkit/mysql/flavor.ts',
    'toolkit/procedure/args.ts',
    'toolkit/procedure/redact.ts',
    'toolkit/procedure/run.ts',
  ],
  // The sandbox copy needs only the toolkit, the configs and node_modules (linked, not copied).
  ignorePatterns: [
    '/app',
    '/stacks',
    '/docs',
    '/reports',
    '/compose',
    '/vitess',
    '/environments',
    '/.local',
    '/.ci',
  ],
  coverageAnalysis: 'perTest',
  // The machine's two cores are shared; one test runner at a time keeps timings honest.
  concurrency: 1,
  timeoutMS: 20_000,
  reporters: ['clear-text', 'progress-append-only', 'json'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
