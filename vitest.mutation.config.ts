import { defineConfig } from 'vitest/config';

// The unit tests of the modules under mutation (stryker.config.mjs): no servers, no processes.
export default defineConfig({
  test: {
    include: [
      'toolkit/mysql/gtid.test.ts',
      'toolkit/mysql/candidate.test.ts',
      'toolkit/mysql/flavor.test.ts',
      'toolkit/vitess/keyrange.test.ts',
      'toolkit/procedure/args.test.ts',
      'toolkit/procedure/redact.test.ts',
      'toolkit/procedure/run.test.ts',
    ],
    testTimeout: 20_000,
  },
});
