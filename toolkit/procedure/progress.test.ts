import { describe, expect, it, vi } from 'vitest';
import { duration, ProgressMeter } from './progress.ts';

/** A meter whose clock the test moves; Date is frozen at the same instant, so the start time is known. */
function meter(total: number | undefined, unit = 'rows') {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(1_000_000);
  let now = 1_000_000;
  const emitted: string[] = [];
  const m = new ProgressMeter(
    'copy',
    total,
    unit,
    (t) => emitted.push(t),
    () => now,
  );
  vi.useRealTimers();
  return {
    m,
    emitted,
    elapse(seconds: number) {
      now = 1_000_000 + seconds * 1000;
    },
  };
}

describe('ProgressMeter', () => {
  it('renders bar, percentage, counts, rate and ETA', () => {
    const { m, elapse } = meter(100_000);
    elapse(10);
    m.set(45_000);
    expect(m.render()).toBe('copy [#########...........] 45% 45,000/100,000 rows 4,500/s ETA 0:12');
  });

  it('emits a rendered line on every set and advance', () => {
    const { m, emitted, elapse } = meter(1000);
    elapse(1);
    m.set(100);
    m.advance(150);
    expect(emitted).toEqual([
      'copy [##..................] 10% 100/1,000 rows 100/s ETA 0:09',
      'copy [#####...............] 25% 250/1,000 rows 250/s ETA 0:03',
    ]);
  });

  it('shows an unknown ETA before any time has passed', () => {
    const { m } = meter(100);
    m.set(10);
    expect(m.rate()).toBe(0);
    expect(m.render()).toBe('copy [##..................] 10% 10/100 rows 0/s ETA ?');
  });

  it('shows an unknown ETA while nothing was done', () => {
    const { m, elapse } = meter(100);
    elapse(5);
    expect(m.render()).toBe('copy [....................] 0% 0/100 rows 0/s ETA ?');
  });

  it('renders count and rate only without a total', () => {
    const { m, elapse } = meter(undefined, 'events');
    elapse(4);
    m.set(1_234_567);
    expect(m.render()).toBe('copy 1,234,567 events 308,642/s');
  });

  it('treats a total of zero as no total', () => {
    const { m, elapse } = meter(0);
    elapse(1);
    m.set(5);
    expect(m.render()).toBe('copy 5/0 rows 5/s');
  });

  it('caps the bar at 100% when more was done than expected', () => {
    const { m, elapse } = meter(100);
    elapse(10);
    m.set(150);
    expect(m.render()).toBe('copy [####################] 100% 150/100 rows 15/s ETA 0:00');
  });

  it('floors the percentage', () => {
    const { m, elapse } = meter(1000);
    elapse(1);
    m.set(999);
    expect(m.render()).toContain(' 99% ');
  });

  it('measures the rate from the start of the meter, by its own clock', () => {
    const { m, elapse } = meter(undefined);
    elapse(2);
    m.set(500);
    expect(m.rate()).toBe(250);
    elapse(5);
    expect(m.rate()).toBe(100);
  });

  it('starts counting time when it is made, with the clock it was given', () => {
    // Only the injected clock moves here; a meter must not mix it with the wall clock.
    let now = 50_000;
    const m = new ProgressMeter(
      'copy',
      100,
      'rows',
      () => {},
      () => now,
    );
    now += 10_000;
    m.set(50);
    expect(m.rate()).toBe(5);
    expect(m.render()).toBe('copy [##########..........] 50% 50/100 rows 5/s ETA 0:10');
  });
});

describe('duration', () => {
  it.each([
    [0, '0:00'],
    [9.4, '0:09'],
    [59.6, '1:00'],
    [61, '1:01'],
    [3599, '59:59'],
    [3661, '61:01'],
    [-5, '0:00'],
  ])('%s s is %s', (seconds, text) => {
    expect(duration(seconds)).toBe(text);
  });
});
