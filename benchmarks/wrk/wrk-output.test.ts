import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { totalErrors } from './results.ts';
import { parseWrkOutput, parseWrkTime, WrkOutputError } from './wrk-output.ts';

const fixture = (name: string): string =>
  readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8')
    .split('\n')
    .slice(1)
    .join('\n');

/** The same output without the Lua script's JSON line: what wrk alone prints. */
const textOnly = (out: string): string =>
  out
    .split('\n')
    .map((l) => (l.startsWith('WRK_JSON ') ? l.slice(0, l.indexOf('WRK_JSON ')) : l))
    .join('\n');

describe('parseWrkTime', () => {
  it('reads every unit wrk prints', () => {
    expect(parseWrkTime('118.00us')).toBeCloseTo(0.118);
    expect(parseWrkTime('3.75ms')).toBe(3.75);
    expect(parseWrkTime('1.39s')).toBe(1390);
    expect(parseWrkTime('2.00m')).toBe(120_000);
  });

  it('refuses what is not a duration', () => {
    expect(() => parseWrkTime('12 ms')).toThrow(WrkOutputError);
    expect(() => parseWrkTime('fast')).toThrow(WrkOutputError);
  });
});

describe('parseWrkOutput on recorded runs', () => {
  it('reads a clean run from the script JSON line', () => {
    const r = parseWrkOutput(fixture('wrk-ok.txt'));
    expect(r.requests).toBe(76_107);
    expect(r.durationS).toBeCloseTo(2.064637, 6);
    expect(r.rps).toBeCloseTo(76_107 / 2.064637, 3);
    expect([r.p50Ms, r.p90Ms, r.p99Ms, r.maxMs]).toEqual([0.207, 1.363, 31.647, 68.352]);
    expect(totalErrors(r.errors)).toBe(0);
    // Ten connections, ten requests in flight when the clock stopped.
    expect(r.unanswered).toBe(10);
  });

  it('counts non-2xx answers and timeouts, and req/s leaves failed answers out', () => {
    const r = parseWrkOutput(fixture('wrk-errors.txt'));
    expect(r.errors).toEqual({ connect: 0, read: 0, write: 0, status: 282, timeout: 20 });
    expect(r.requests).toBe(1980);
    expect(r.rps).toBeCloseTo((1980 - 282) / 2.069897, 3);
  });

  it('reads the same numbers from wrk text when the JSON line is missing', () => {
    const json = parseWrkOutput(fixture('wrk-errors.txt'));
    const text = parseWrkOutput(textOnly(fixture('wrk-errors.txt')));
    expect(text.requests).toBe(json.requests);
    expect(text.errors).toEqual(json.errors);
    expect(text.p50Ms).toBeCloseTo(json.p50Ms, 2);
    expect(text.p90Ms).toBeCloseTo(json.p90Ms, 2);
    expect(text.p99Ms).toBeCloseTo(json.p99Ms, 2);
    expect(text.maxMs).toBeCloseTo(8.73, 2);
    expect(text.durationS).toBe(2.07);
  });

  it('text of a clean run has no error lines and zero errors', () => {
    const text = parseWrkOutput(textOnly(fixture('wrk-ok.txt')));
    expect(totalErrors(text.errors)).toBe(0);
    expect(text.p99Ms).toBe(31.65);
    expect(text.unanswered).toBeUndefined();
  });

  it('shows requests stuck past the timeout that wrk itself does not count', () => {
    const r = parseWrkOutput(fixture('wrk-stuck.txt'));
    expect(r.errors.timeout).toBe(0);
    expect(r.requests).toBe(20);
    expect(r.unanswered).toBe(21);
  });

  it('says why when wrk could not connect', () => {
    expect(() => parseWrkOutput(fixture('wrk-refused.txt'))).toThrow(
      /no result: unable to connect to 127\.0\.0\.1:\d+ Connection refused/,
    );
  });
});
