import { describe, expect, it } from 'vitest';
import { clickhouseLoadBenchArgs } from './load.ts';

describe('bench-clickhouse-load arguments', () => {
  it('defaults to 1,000,000 users and 3 runs', () => {
    expect(clickhouseLoadBenchArgs([])).toEqual({ users: 1_000_000, runs: 3 });
  });

  it('takes --users with underscores and --runs', () => {
    expect(clickhouseLoadBenchArgs(['--users', '100_000', '--runs', '1'])).toEqual({
      users: 100_000,
      runs: 1,
    });
  });

  it('refuses a count that is not a positive integer, and unknown words', () => {
    expect(() => clickhouseLoadBenchArgs(['--users', 'lots'])).toThrow(
      "--users: expected a positive integer, got 'lots'",
    );
    expect(() => clickhouseLoadBenchArgs(['--runs', '0'])).toThrow('--runs');
    expect(() => clickhouseLoadBenchArgs(['100000'])).toThrow();
  });
});
