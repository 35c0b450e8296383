import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { waitFor } from '../../lib/poll.ts';
import { repoRoot } from '../../toolkit/inventory/paths.ts';
import type { Inventory } from '../../toolkit/inventory/schema.ts';
import { ToolkitError } from '../../toolkit/procedure/errors.ts';
import type { Run } from '../../toolkit/procedure/run.ts';
import { type ReadPool, startAppProcess } from '../wrk/app-process.ts';
import { searchPrefixes, writePrefixFile } from '../wrk/prefixes.ts';
import { checkWrk } from '../wrk/report/prepare.ts';
import { parseWrkOutput } from '../wrk/wrk-output.ts';
import { runWrk } from '../wrk/wrk-runner.ts';
import { type CpuProfile, profileMarkdown, summarizeProfile } from './cpu-profile.ts';

export interface ProfileOptions {
  reads: ReadPool;
  connections: number;
  durationS: number;
  limit: number;
  appPoolSize: number;
  outDir?: string;
  command: string;
}

const stamp = (d: Date): string => d.toISOString().slice(0, 19).replaceAll(':', '-');

/**
 * Where the app's time goes under wrk: one app instance of our own started with `node --cpu-prof`,
 * warmed up, then wrk with the WRK report's random prefixes for `durationS`; the instance is stopped
 * (the profile is written as it exits) and summarized into profile.md (top functions, time by area).
 */
export async function profileProcedure(
  run: Run,
  inventory: Inventory,
  options: ProfileOptions,
): Promise<{ dir: string }> {
  const started = new Date();
  const dir = resolve(
    options.outDir ?? join(repoRoot, 'reports/perf', `${stamp(started)}-profile-${options.reads}`),
  );
  await checkWrk(run);
  if (run.dryRun) {
    await run.action(
      'profile',
      'localhost',
      `app (reads on ${options.reads}) under wrk -c${options.connections} for ${options.durationS} s into ${dir}`,
      async () => undefined,
    );
    return { dir };
  }
  const raw = join(dir, 'raw');
  mkdirSync(raw, { recursive: true });
  const prefixFile = join(raw, 'prefixes.txt');
  writePrefixFile(prefixFile, searchPrefixes({ count: 2000, seed: 1 }), options.limit);
  const loadBefore = loadavg()[0] ?? 0;
  let wrkText = '';
  await run.step('profile', 'app', async () => {
    const app = await startAppProcess(inventory, {
      reads: options.reads,
      logFile: join(raw, 'app.log'),
      logLevel: 'warn',
      poolSize: options.appPoolSize,
      nodeArgs: ['--cpu-prof', '--cpu-prof-dir', raw],
    });
    try {
      await runWrk({ url: app.url, connections: 10, threads: 2, durationS: 3, timeoutS: 2, prefixFile });
      const wrk = await runWrk({
        url: app.url,
        connections: options.connections,
        threads: 2,
        durationS: options.durationS,
        timeoutS: 2,
        prefixFile,
      });
      wrkText = wrk.stdout.trim() ? wrk.stdout : wrk.stderr;
    } finally {
      await app.stop();
    }
    // One profile per thread (tsx's loader hooks run in a worker): the main thread's is the one with the server.
    await waitFor(async () => (mainThreadProfile(raw) ? true : undefined), {
      timeoutMs: 30_000,
      intervalMs: 200,
      what: 'the CPU profile to be written',
    }).catch(() => {
      throw new ToolkitError(
        `no CPU profile in ${raw}: did the app exit cleanly? see ${join(raw, 'app.log')}`,
      );
    });
    return { status: 'ok', detail: join(raw, mainThreadProfile(raw)!) };
  });
  const result = parseWrkOutput(wrkText);
  const summary = summarizeProfile(
    JSON.parse(readFileSync(join(raw, mainThreadProfile(raw)!), 'utf8')) as CpuProfile,
  );
  const md = [
    `# CPU profile of the app under wrk (reads on ${options.reads})`,
    '',
    `Command: \`${options.command}\`. Started ${started.toISOString()}, load average before ${loadBefore.toFixed(2)}, after ${(loadavg()[0] ?? 0).toFixed(2)} (the machine was shared: absolute figures are depressed).`,
    '',
    `wrk -c${options.connections} for ${options.durationS} s (the profile covers the warm-up and the whole run): ${Math.round(result.rps)} req/s, p50 ${result.p50Ms.toFixed(1)} ms, p99 ${result.p99Ms.toFixed(1)} ms, non-2xx ${result.errors.status}, timeouts ${result.errors.timeout}.`,
    '',
    profileMarkdown(summary),
  ].join('\n');
  writeFileSync(join(dir, 'profile.md'), md);
  writeFileSync(join(dir, 'profile.json'), `${JSON.stringify({ options, wrk: result, summary }, null, 2)}\n`);
  await run.verify('report', 'localhost', async () => join(dir, 'profile.md'));
  return { dir };
}

/** The profile of the thread that ran fastify, among the ones node wrote (CPU.<date>.<pid>.<thread>.<n>.cpuprofile). */
function mainThreadProfile(dir: string): string | undefined {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .find((f) => readFileSync(join(dir, f), 'utf8').includes('node_modules/fastify/'));
}
