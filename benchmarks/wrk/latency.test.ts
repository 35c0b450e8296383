import { describe, expect, it } from 'vitest';
import { LatencyRecorder } from './latency.ts';

describe('LatencyRecorder', () => {
  it('gives nearest-rank percentiles and the maximum', () => {
    const r = new LatencyRecorder();
    for (let i = 100; i >= 1; i--) r.add(i);
    expect(r.count).toBe(100);
    expect(r.percentile(50)).toBe(50);
    expect(r.percentile(90)).toBe(90);
    expect(r.percentile(99)).toBe(99);
    expect(r.percentile(100)).toBe(100);
    expect(r.max()).toBe(100);
  });

  it('is NaN when nothing was recorded', () => {
    const r = new LatencyRecorder();
    expect(r.percentile(50)).toBeNaN();
    expect(r.max()).toBeNaN();
  });
});
