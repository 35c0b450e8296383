import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../toolkit/procedure/args.ts';
import { UsageError } from '../../toolkit/procedure/errors.ts';
import { commonFlags } from '../../toolkit/procedure/main.ts';
import { reportOptions, validateReportFlags, wrkReportRunbook } from './runbook.ts';

const parse = (words: string[]) =>
  parseArgs(words, { ...commonFlags, ...wrkReportRunbook(words).flags! }).flags;

describe('wrk-report flags', () => {
  it('defaults to the full run: a million users, 30 s points at 1, 10, 100 and 1000 connections', () => {
    const o = reportOptions(parse([]), 'cmd');
    expect([o.users, o.durationS, o.connections, o.quick]).toEqual([
      1_000_000,
      30,
      [1, 10, 100, 1000],
      false,
    ]);
  });

  it('--quick shrinks what was not given, and keeps what was', () => {
    const o = reportOptions(parse(['--quick']), 'cmd');
    expect([o.users, o.durationS, o.connections]).toEqual([5000, 2, [1, 10]]);
    const given = reportOptions(parse(['--quick', '--users', '20000', '--connections', '1,100']), 'cmd');
    expect([given.users, given.durationS, given.connections]).toEqual([20_000, 2, [1, 100]]);
  });

  it('refuses bad values before anything is touched', () => {
    expect(() => validateReportFlags(parse(['--connections', '1,ten']))).toThrow(UsageError);
    expect(() => validateReportFlags(parse(['--users', '0']))).toThrow(/--users/);
    expect(() => validateReportFlags(parse(['--duration', '0.5']))).toThrow(/--duration/);
    expect(() => validateReportFlags(parse(['--rabbitmq-prefix', 'a b']))).toThrow(/--rabbitmq-prefix/);
    expect(() => validateReportFlags(parse(['--quick', '--limit', '50']))).not.toThrow();
  });
});
