import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../../../lib/temp-dirs.ts';
import { runRunbook } from '../testing.ts';

const out = makeTempDir('drill-reports-');

afterAll(() => removeTempDir(out));

describe('the failover drill on a throwaway environment', () => {
  it('SIGKILLs the master under load, loses no acknowledged write, and writes its report', async () => {
    // The throwaway environment takes its own state dir and ports: nothing of a local one is touched.
    const result = await runRunbook(
      'drill',
      ['failover', '--throwaway', '--duration', '12', '--out', out, '--json'],
      process.env,
    );
    const [folder] = readdirSync(out);
    // `?? ''`: with no folder, toMatch must still fail with the drill's output as its message.
    expect(folder ?? '', `${result.stdout.slice(-2000)}\n${result.stderr.slice(-2000)}`).toMatch(
      /-failover$/,
    );
    const dir = join(out, folder!);
    for (const file of ['summary.md', 'timeline.svg', 'report.json'])
      expect(existsSync(join(dir, file))).toBe(true);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as {
      newMaster: string;
      oldMaster: string;
      lost: { acknowledged: number; missing: string[]; different: string[]; duplicates: string[] };
      tarantool: Array<{ mysqlRows: number; tarantoolRows: number; differences: string[] }>;
      pidsBefore: Record<string, number>;
      pidsAfter: Record<string, number>;
      timings: Record<string, number | null>;
      figures: { reads: { failed: number; total: number } };
      requests: Array<{ kind: string }>;
    };
    console.log(readFileSync(join(dir, 'summary.md'), 'utf8').split('\n').slice(4, 18).join('\n'));
    expect(report.newMaster).not.toBe(report.oldMaster);
    expect(report.lost.acknowledged).toBeGreaterThan(20);
    expect(report.lost.missing).toEqual([]);
    expect(report.lost.different).toEqual([]);
    // Writes sent again after a reset keep their Idempotency-Key: none ran twice.
    expect(report.lost.duplicates).toEqual([]);
    expect(report.requests.some((r) => r.kind === 'register')).toBe(true);
    for (const table of report.tarantool) {
      expect(table.differences).toEqual([]);
      expect(table.tarantoolRows).toBe(table.mysqlRows);
    }
    expect(report.pidsAfter).toEqual(report.pidsBefore);
    expect(report.timings.firstAcceptedWriteMs).not.toBeNull();
    // The slaves keep serving reads while their master is replaced (the agent's bounded-staleness rule).
    expect(report.figures.reads.total).toBeGreaterThan(50);
    expect(report.figures.reads.failed).toBe(0);
    expect(readFileSync(join(dir, 'timeline.svg'), 'utf8')).toMatch(
      /^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/,
    );
    // The throwaway environment is gone: its report step ran, then down --wipe.
    expect(
      result.report?.steps.some((s) => s.name === 'throwaway environment' && s.status === 'changed'),
    ).toBe(true);
  }, 420_000);
});
