import { noErrors, type PointErrors, type PointResult } from './results.ts';

/** Thrown when wrk's output holds no result (it could not connect, or was killed). */
export class WrkOutputError extends Error {
  override name = 'WrkOutputError';
}

const timeUnits: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** wrk's own duration words ("118.00us", "1.39s", "2.00m") in milliseconds. */
export function parseWrkTime(word: string): number {
  const match = /^([\d.]+)(us|ms|s|m|h)$/.exec(word.trim());
  if (!match) throw new WrkOutputError(`not a wrk duration: '${word}'`);
  return Number(match[1]) * timeUnits[match[2]!]!;
}

interface WrkJson {
  requests: number;
  sent?: number;
  duration_us: number;
  errors: PointErrors;
  latency_us: { p50: number; p90: number; p99: number; max: number };
}

/**
 * One wrk run's stdout as a point. The `WRK_JSON` line that benchmarks/wrk/search.lua's done() prints
 * gives exact counts and percentiles (p90 included); without it (another script, or none) the text
 * report is read: requests, duration, the --latency distribution, socket errors and non-2xx answers.
 * req/s counts successful answers only (wrk's own Requests/sec includes the non-2xx ones).
 */
export function parseWrkOutput(stdout: string): PointResult {
  const jsonLine = stdout.split('\n').find((l) => l.startsWith('WRK_JSON '));
  if (jsonLine) return fromJson(JSON.parse(jsonLine.slice('WRK_JSON '.length)) as WrkJson);
  return fromText(stdout);
}

function fromJson(j: WrkJson): PointResult {
  const durationS = j.duration_us / 1e6;
  // With no answer at all wrk reports zeros, which are no latencies.
  const latency = (us: number): number => (j.requests > 0 ? us / 1000 : Number.NaN);
  return {
    requests: j.requests,
    durationS,
    rps: durationS > 0 ? (j.requests - j.errors.status) / durationS : 0,
    p50Ms: latency(j.latency_us.p50),
    p90Ms: latency(j.latency_us.p90),
    p99Ms: latency(j.latency_us.p99),
    maxMs: latency(j.latency_us.max),
    errors: { ...noErrors(), ...j.errors },
    unanswered: j.sent === undefined ? undefined : Math.max(0, j.sent - j.requests),
  };
}

function fromText(stdout: string): PointResult {
  const total = /^\s*(\d+) requests in ([\d.]+\w+),/m.exec(stdout);
  if (!total) {
    const firstLine = stdout.trim().split('\n')[0] ?? '';
    throw new WrkOutputError(`wrk printed no result${firstLine ? `: ${firstLine}` : ''}`);
  }
  const requests = Number(total[1]);
  const durationS = parseWrkTime(total[2]!) / 1000;
  const percentile = (p: number): number => {
    const line = new RegExp(`^\\s*${p}%\\s+([\\d.]+\\w+)\\s*$`, 'm').exec(stdout);
    return line ? parseWrkTime(line[1]!) : Number.NaN;
  };
  const latencyMax = /^\s*Latency\s+\S+\s+\S+\s+(\S+)/m.exec(stdout);
  const errors = noErrors();
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
  if (socket) {
    errors.connect = Number(socket[1]);
    errors.read = Number(socket[2]);
    errors.write = Number(socket[3]);
    errors.timeout = Number(socket[4]);
  }
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(stdout);
  if (non2xx) errors.status = Number(non2xx[1]);
  return {
    requests,
    durationS,
    rps: durationS > 0 ? (requests - errors.status) / durationS : 0,
    p50Ms: percentile(50),
    p90Ms: percentile(90),
    p99Ms: percentile(99),
    maxMs: latencyMax ? parseWrkTime(latencyMax[1]!) : Number.NaN,
    errors,
  };
}
