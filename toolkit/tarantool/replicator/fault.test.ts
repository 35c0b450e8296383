import { describe, expect, it } from 'vitest';
import { faultHooks, parseFault } from './fault.ts';

const position = { file: 'mysql-bin.000001', position: 4242, gtid: '0-1-17', eventTime: 0 };
const batch = (number: number) => ({ number, ops: 51, transactions: 2, position });

describe('replicator test faults', () => {
  it('parses both fault points with their batch', () => {
    expect(parseFault('kill-after-apply:5')).toEqual({ point: 'kill-after-apply', batch: 5 });
    expect(parseFault(' kill-before-apply:12 ')).toEqual({ point: 'kill-before-apply', batch: 12 });
  });

  it('refuses anything else in one line', () => {
    for (const bad of ['', 'kill-after-apply', 'kill-after-apply:0', 'kill:3', 'kill-after-apply:-1', 'x:1'])
      expect(() => parseFault(bad)).toThrow(
        /^REPLICATOR_TEST_FAULT='.*': expected kill-before-apply:<batch>/,
      );
  });

  it('kills at its point of its batch only, after logging where', () => {
    const lines: string[] = [];
    let kills = 0;
    const hooks = faultHooks(
      parseFault('kill-after-apply:3'),
      (l) => lines.push(l),
      () => kills++,
    );
    for (const n of [1, 2, 3, 4]) {
      hooks.beforeApply?.(batch(n));
      if (n < 3) expect(kills).toBe(0);
      hooks.afterApply?.(batch(n));
    }
    expect(kills).toBe(1);
    expect(lines).toEqual([
      'test fault: SIGKILL after Tarantool committed batch 3 (2 transaction(s), 51 row(s), position mysql-bin.000001:4242 (GTID 0-1-17))',
    ]);
    const before: string[] = [];
    const early = faultHooks(
      parseFault('kill-before-apply:1'),
      (l) => before.push(l),
      () => kills++,
    );
    early.afterApply?.(batch(1));
    expect(before).toEqual([]);
    early.beforeApply?.(batch(1));
    expect(before[0]).toMatch(/^test fault: SIGKILL before applying batch 1 /);
    expect(kills).toBe(2);
  });
});
