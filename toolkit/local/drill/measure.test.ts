import { describe, expect, it } from 'vitest';
import type { Op } from './load.ts';
import { buckets, failoverFigures, firstAcceptedWrite, instanceKillFigures } from './measure.ts';

const op = (kind: Op['kind'], startedAt: number, endedAt: number, status: number, id?: string): Op => ({
  kind,
  client: 'c',
  startedAt,
  endedAt,
  status,
  ...(id ? { id, text: `t${id}` } : {}),
});

describe('drill measures', () => {
  const killedAt = 1000;
  const ops = [
    op('post', 900, 950, 200, '1'),
    // In flight at the kill, accepted late through the retry: not the first write accepted *after* the kill.
    op('post', 990, 1700, 200, '2'),
    op('post', 1100, 1300, 503),
    op('register', 1200, 1400, 503),
    op('post', 1500, 1600, 200, '3'),
    op('post', 3000, 3100, 500),
    op('read', 1100, 1150, 200),
    op('read', 1200, 1250, 503),
  ];

  it('measures from the kill to the first write started after it that the app accepted', () => {
    expect(firstAcceptedWrite(ops, killedAt)?.id).toBe('3');
    expect(firstAcceptedWrite(ops, 4000)).toBeUndefined();
  });

  it('tells the writes refused in the window from the failures outside it', () => {
    const f = failoverFigures(ops, killedAt);
    expect(f.firstAcceptedWriteMs).toBe(600);
    expect(f.writesRefusedInWindow).toBe(2);
    expect(f.writesFailedOutsideWindow).toBe(1);
    expect(f.acknowledged).toBe(3);
    expect(f.reads).toEqual({ total: 2, ok: 1, failed: 1, byStatus: { '503': 1 }, retried: 0 });
  });

  it('counts as in flight only the requests that were waiting for their answer at the kill', () => {
    const f = instanceKillFigures(
      [op('post', 900, 1100, 502), op('read', 1001, 1050, 502), op('read', 800, 900, 200)],
      killedAt,
    );
    expect(f.failedInFlight).toBe(1);
    expect(f.failedOther).toBe(1);
    // Sent after the SIGKILL but before the instance was seen gone: it died with it.
    const dying = instanceKillFigures(
      [op('post', 1030, 1080, 502), op('read', 1090, 1095, 502)],
      killedAt,
      1050,
    );
    expect([dying.failedInFlight, dying.failedOther]).toEqual([1, 1]);
  });

  it('buckets answers by when they came, clamping the edges', () => {
    const b = buckets(ops, 1000, 2000, 500);
    expect(b).toHaveLength(2);
    expect(b[0]).toMatchObject({ writesOk: 1, writesFailed: 2, readsOk: 1, readsFailed: 1 });
    expect(b[1]).toMatchObject({ writesOk: 2, writesFailed: 1 });
  });
});
