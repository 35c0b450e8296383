import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      '*.test.ts',
      'lib/**/*.test.ts',
      'toolkit/**/*.test.ts',
      'app/**/*.test.ts',
      'benchmarks/**/*.test.ts',
      'stacks/**/*.test.ts',
      'scripts/**/*.test.ts',
      'vitess/**/*.test.ts',
      'docs/**/*.test.ts',
    ],
    // Server tests start their own mariadbd/redis/etc. processes; two cores do not take many at once.
    fileParallelism: true,
    maxWorkers: 2,
    // The app's tests start their MySQL cluster through this command, not by importing the toolkit.
    env: { TEST_MYSQL_CLUSTER_COMMAND: 'toolkit/local/test-cluster-main.ts' },
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});
