import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../lib/temp-dirs.ts';
import { searchPrefixes, writePrefixFile } from './prefixes.ts';
import { totalErrors } from './results.ts';
import { startTinyServer } from './testing/tiny-server.ts';
import { parseWrkOutput } from './wrk-output.ts';
import { runWrk, wrkArgs } from './wrk-runner.ts';

// Debian's wrk and benchmarks/wrk/search.lua for real, against a tiny server this test starts.
let dir: string;
let prefixFile: string;
const prefixes = searchPrefixes({ count: 20, seed: 5 });

beforeAll(() => {
  dir = makeTempDir('wrk-test-');
  prefixFile = join(dir, 'prefixes.txt');
  writePrefixFile(prefixFile, prefixes, 7);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('wrkArgs', () => {
  it('never asks for more threads than connections, and passes the prefixes file to the script', () => {
    const args = wrkArgs({
      url: 'http://127.0.0.1:1',
      connections: 1,
      threads: 2,
      durationS: 3,
      timeoutS: 2,
      prefixFile: '/p',
    });
    expect(args.slice(0, 3)).toEqual(['-t1', '-c1', '-d3s']);
    expect(args.slice(-3)).toEqual(['http://127.0.0.1:1', '--', '/p']);
    expect(args).toContain('--latency');
  });
});

describe('wrk with the search script', () => {
  it('sends only the searches of the prefixes file, and its output parses', async () => {
    const server = await startTinyServer();
    try {
      const run = await runWrk({
        url: server.url,
        connections: 4,
        threads: 2,
        durationS: 1,
        timeoutS: 2,
        prefixFile,
      });
      expect(run.exitCode).toBe(0);
      const result = parseWrkOutput(run.stdout);
      expect(result.requests).toBeGreaterThan(0);
      expect(totalErrors(result.errors)).toBe(0);
      const sent = new Set(server.queries());
      const allowed = new Set(
        prefixes.map(
          (p) =>
            `/user/search?first_name=${encodeURIComponent(p.first)}&last_name=${encodeURIComponent(p.last)}&limit=7`,
        ),
      );
      for (const url of sent) expect(allowed.has(url)).toBe(true);
      // Random picks: a one-second run at thousands of requests touches more than one pair.
      expect(sent.size).toBeGreaterThan(1);
    } finally {
      await server.close();
    }
  });

  it('reports the server 503s as errors', async () => {
    const server = await startTinyServer({ failEvery: 5 });
    try {
      const run = await runWrk({
        url: server.url,
        connections: 2,
        threads: 1,
        durationS: 1,
        timeoutS: 2,
        prefixFile,
      });
      const result = parseWrkOutput(run.stdout);
      expect(result.errors.status).toBeGreaterThan(0);
      expect(result.errors.status).toBeLessThanOrEqual(Math.floor(server.requests() / 5));
    } finally {
      await server.close();
    }
  });
});
