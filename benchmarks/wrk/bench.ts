import { execa } from 'execa';
import { repoRoot } from '../../toolkit/inventory/paths.ts';
import type { Run } from '../../toolkit/procedure/run.ts';
import { searchPrefixes, writePrefixFile } from './prefixes.ts';
import { startTinyServer } from './testing/tiny-server.ts';
import { parseWrkOutput } from './wrk-output.ts';
import { runWrk } from './wrk-runner.ts';

/** Benchmarks measured before the WRK report, handed to it (--benchmarks) so one report holds them all. */
export interface BenchResults {
  httpCeiling?: { rps: number; connections: number };
  generateUsers?: { users: number; seconds: number };
  clickhouse?: { rows: number; seconds: number };
}

/** `generate-users 1,000,000 (defer index: true): 29.0 s in total` → users and seconds. */
export function parseGenerateBench(out: string): { users: number; seconds: number } | undefined {
  const m = /generate-users ([\d,]+) \(.*\): ([\d.]+) s in total/.exec(out);
  return m ? { users: Number(m[1]!.replaceAll(',', '')), seconds: Number(m[2]) } : undefined;
}

/** `clickhouse-load: 1,000,000 rows in 3.2 s` → rows and seconds. */
export function parseClickhouseBench(out: string): { rows: number; seconds: number } | undefined {
  const m = /clickhouse-load: ([\d,]+) rows in ([\d.]+) s/.exec(out);
  return m ? { rows: Number(m[1]!.replaceAll(',', '')), seconds: Number(m[2]) } : undefined;
}

/** A child benchmark whose output is shown as it runs and kept for parsing. */
async function zx(script: string, args: string[], timeoutMs: number): Promise<{ code: number; out: string }> {
  const child = execa('npx', ['zx', `scripts/${script}`, ...args], {
    cwd: repoRoot,
    reject: false,
    timeout: timeoutMs,
    stdout: ['pipe', 'inherit'],
    stderr: ['pipe', 'inherit'],
  });
  const result = await child;
  return { code: result.exitCode ?? 1, out: `${result.stdout}\n${result.stderr}` };
}

/**
 * This machine's HTTP ceiling for one Node process: wrk with the search script against a Node
 * server that answers every search with the same small JSON, no database.
 */
export async function httpCeiling(durationS: number, connections: number, prefixFile: string) {
  const server = await startTinyServer();
  try {
    const wrk = await runWrk({
      url: server.url,
      connections,
      threads: 2,
      durationS,
      timeoutS: 2,
      prefixFile,
    });
    return { rps: parseWrkOutput(wrk.stdout).rps, connections };
  } finally {
    await server.close();
  }
}

export interface BenchOptions {
  quick: boolean;
  /** Words passed on to wrk-report.mjs (--env, --users, ...). */
  reportArgs: string[];
  resultsFile: string;
  prefixFile: string;
  only?: string[];
}

/**
 * The project's benchmarks in one go: the HTTP ceiling, the users generator on a throwaway cluster,
 * the ClickHouse load, then the WRK report with all of them in it.
 */
export async function benchProcedure(run: Run, options: BenchOptions): Promise<BenchResults> {
  const results: BenchResults = {};
  const wanted = (name: string): boolean => !options.only || options.only.includes(name);
  if (run.dryRun) {
    for (const name of ['http', 'generate', 'clickhouse', 'wrk'].filter(wanted))
      await run.action(
        name,
        'localhost',
        `run the ${name} benchmark${options.quick ? ' (quick)' : ''}`,
        async () => undefined,
      );
    return results;
  }
  writePrefixFile(options.prefixFile, searchPrefixes({ count: 2000, seed: 1 }), 10);

  if (wanted('http'))
    await run.step('http ceiling', 'localhost', async () => {
      results.httpCeiling = await httpCeiling(options.quick ? 2 : 10, 100, options.prefixFile);
      return {
        status: 'ok',
        detail: `${Math.round(results.httpCeiling.rps)} req/s from a Node hello-world at 100 connections`,
      };
    });

  if (wanted('generate'))
    await run.step('generate-users', 'throwaway cluster', async () => {
      const users = options.quick ? 100_000 : 1_000_000;
      const { code, out } = await zx('bench-generate-users.mjs', [String(users)], 600_000);
      const parsed = parseGenerateBench(out);
      if (code !== 0 || !parsed)
        throw new Error(`bench-generate-users.mjs exited ${code} without its total line`);
      results.generateUsers = parsed;
      return { status: 'ok', detail: `${parsed.users.toLocaleString('en-US')} users in ${parsed.seconds} s` };
    });

  if (wanted('clickhouse'))
    await run.step('clickhouse load', 'throwaway server', async () => {
      const users = options.quick ? ['--users', '100000'] : [];
      const { code, out } = await zx('bench-clickhouse-load.mjs', users, 600_000);
      const parsed = parseClickhouseBench(out);
      if (code !== 0 || !parsed)
        throw new Error(`bench-clickhouse-load.mjs exited ${code} without its total line`);
      results.clickhouse = parsed;
      return {
        status: 'ok',
        detail: `${Math.round(parsed.rows / parsed.seconds).toLocaleString('en-US')} rows/s`,
      };
    });

  if (wanted('wrk')) {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(options.resultsFile, `${JSON.stringify(results, null, 2)}\n`);
    await run.step('wrk report', 'environment', async () => {
      const args = [
        ...(options.quick ? ['--quick'] : []),
        '--benchmarks',
        options.resultsFile,
        ...options.reportArgs,
      ];
      const { code, out } = await zx('wrk-report.mjs', args, 4 * 3600_000);
      if (code !== 0) throw new Error(`wrk-report.mjs exited ${code}`);
      const where = /report @ localhost: (\S+)/.exec(out)?.[1];
      return { status: 'ok', detail: where ?? 'written' };
    });
  }
  return results;
}
