import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'lib/**/*.test.ts',
      'toolkit/**/*.test.ts',
      'app/**/*.test.ts',
      'benchmarks/**/*.test.ts',
      'stacks/**/*.test.ts',
      'scripts/**/*.test.ts',
      'vitess/**/*.test.ts',
    ],
    // Server tests start their own mariadbd/redis/etc. processes; two cores do not take many at once.
    fileParallelism: true,
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
