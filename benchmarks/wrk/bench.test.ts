import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTempDir } from '../../lib/temp-dirs.ts';
import { httpCeiling, parseClickhouseBench, parseGenerateBench } from './bench.ts';
import { searchPrefixes, writePrefixFile } from './prefixes.ts';

describe('benchmark outputs', () => {
  it("reads the users generator benchmark's total line", () => {
    const out =
      '  users: 1,000,000 users at 95,979/s\ngenerate-users 1,000,000 (defer index: true): 29.0 s in total\n';
    expect(parseGenerateBench(out)).toEqual({ users: 1_000_000, seconds: 29 });
    expect(parseGenerateBench('generate-users failed')).toBeUndefined();
  });

  it("reads the ClickHouse load benchmark's line", () => {
    expect(parseClickhouseBench('clickhouse-load: 1,000,000 rows in 3.5 s\n')).toEqual({
      rows: 1_000_000,
      seconds: 3.5,
    });
    expect(parseClickhouseBench('clickhouse-load: failed')).toBeUndefined();
  });
});

describe('httpCeiling', () => {
  it('measures a Node hello-world with wrk and the search script', async () => {
    const dir = makeTempDir('bench-test-');
    try {
      const file = join(dir, 'prefixes.txt');
      writePrefixFile(file, searchPrefixes({ count: 10, seed: 1 }), 10);
      const result = await httpCeiling(1, 4, file);
      expect(result.connections).toBe(4);
      expect(result.rps).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
