import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../lib/temp-dirs.ts';
import { loadMetricsFile, writeLoadMetrics } from './load-metrics.ts';

const dir = makeTempDir('load-metrics-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const value = (name: string) => {
  const match = new RegExp(`^${name} (\\S+)$`, 'm').exec(readFileSync(loadMetricsFile(dir), 'utf8'));
  return match ? Number(match[1]) : undefined;
};

describe("the ClickHouse load's textfile", () => {
  it('records a success, then keeps its time and rows through a failure', async () => {
    await writeLoadMetrics(dir, {
      ok: true,
      rows: 1234,
      durationSeconds: 2.5,
      finishedAt: new Date(1_000_000),
    });
    expect(value('clickhouse_load_rows')).toBe(1234);
    expect(value('clickhouse_load_last_success_timestamp_seconds')).toBe(1000);
    await writeLoadMetrics(dir, { ok: false, durationSeconds: 1, finishedAt: new Date(2_000_000) });
    expect(value('clickhouse_load_last_run_success')).toBe(0);
    expect(value('clickhouse_load_last_run_timestamp_seconds')).toBe(2000);
    expect(value('clickhouse_load_last_success_timestamp_seconds')).toBe(1000);
    expect(value('clickhouse_load_rows')).toBe(1234);
  });

  it('is valid exposition format (promtool check metrics)', async () => {
    const file = await writeLoadMetrics(dir, {
      ok: true,
      rows: 1,
      durationSeconds: 1,
      finishedAt: new Date(),
    });
    // promtool reads the metrics on stdin; it exits non-zero on a format error.
    const output = execFileSync('promtool', ['check', 'metrics'], {
      input: readFileSync(file),
      encoding: 'utf8',
    });
    expect(output).not.toMatch(/error/i);
  });
});
