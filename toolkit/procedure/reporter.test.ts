import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { registerSecret } from './redact.ts';
import { createReporter, outputModeFor } from './reporter.ts';
import type { RunbookReport } from './types.ts';

const secret = 'reporter-secret-42';
registerSecret(secret);

let out: string[];
let err: string[];

beforeEach(() => {
  out = [];
  err = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    err.push(String(chunk));
    return true;
  });
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  vi.useRealTimers();
});

const report: RunbookReport = {
  runbook: 'replication',
  env: 'test',
  changed: 1,
  steps: [
    { name: 'gtid_mode', host: 'db1', status: 'ok', detail: 'ON' },
    { name: 'repoint', host: 'db2', status: 'changed', detail: `password ${secret}` },
    { name: 'start', host: 'db3', status: 'planned', detail: 'START SLAVE' },
    { name: 'lag', host: 'db3', status: 'failed', detail: 'lag 30 s' },
  ],
};

describe('outputModeFor', () => {
  it('json wins', () => {
    expect(outputModeFor(true, { isTTY: true } as NodeJS.WriteStream)).toBe('json');
  });

  it('a terminal gets tty, unless CI is set', () => {
    vi.stubEnv('CI', '');
    expect(outputModeFor(false, { isTTY: true } as NodeJS.WriteStream)).toBe('tty');
    vi.stubEnv('CI', 'true');
    expect(outputModeFor(false, { isTTY: true } as NodeJS.WriteStream)).toBe('plain');
  });

  it('a pipe gets plain', () => {
    vi.stubEnv('CI', '');
    expect(outputModeFor(false, { isTTY: false } as NodeJS.WriteStream)).toBe('plain');
  });
});

describe('plain reporter', () => {
  it('prints one line per step, redacted, and a summary', () => {
    const r = createReporter('plain');
    r.stepEnded({ name: 'repoint', host: 'db2', status: 'changed', detail: `using ${secret}` });
    r.stepEnded({ name: 'gtid_mode', host: 'db1', status: 'ok', detail: '' });
    r.finished(report);
    expect(out).toEqual([
      '[changed] repoint @ db2: using ***\n',
      '[ok] gtid_mode @ db1\n',
      'replication (test): 4 steps, 1 changed, 1 planned, 1 failed\n',
    ]);
    expect(err).toEqual([]);
  });

  it('prints a failure to stderr, redacted', () => {
    createReporter('plain').finished(report, `repoint on db2: bad password ${secret}`);
    expect(err).toEqual(['error: repoint on db2: bad password ***\n']);
  });

  it('thins progress to one line every five seconds', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1_000_000);
    const r = createReporter('plain');
    r.stepStarted('copy', 'db3');
    r.progress('10%');
    vi.setSystemTime(1_004_999);
    r.progress('20%');
    vi.setSystemTime(1_005_000);
    r.progress(`30% ${secret}`);
    vi.setSystemTime(1_006_000);
    r.progress('40%');
    expect(err).toEqual(['  ... 30% ***\n']);
  });

  it('notes go to stderr, redacted', () => {
    createReporter('plain').note(`seeded with ${secret}`);
    expect(err).toEqual(['seeded with ***\n']);
  });
});

describe('json reporter', () => {
  it('prints only the final report as one redacted JSON object', () => {
    const r = createReporter('json');
    r.stepStarted('repoint', 'db2');
    r.progress('anything');
    r.stepEnded(report.steps[1]!);
    r.note('anything');
    expect(out).toEqual([]);
    r.finished(report);
    expect(out).toHaveLength(1);
    expect(out[0]).not.toContain(secret);
    const parsed = JSON.parse(out[0]!) as RunbookReport;
    expect(parsed.changed).toBe(1);
    expect(parsed.steps[1]?.detail).toBe('password ***');
  });

  it('prints a failure to stderr', () => {
    createReporter('json').finished(report, 'lag on db3: 30 s');
    expect(err).toEqual(['error: lag on db3: 30 s\n']);
  });
});
