import { resolve } from 'node:path';
import { execa } from 'execa';
import { repoRoot } from '../../toolkit/inventory/paths.ts';

export const searchScript = resolve(repoRoot, 'benchmarks/wrk/search.lua');

export interface WrkOptions {
  /** The app's base URL (http://127.0.0.1:5000); the script adds /user/search?... */
  url: string;
  connections: number;
  /** wrk threads; never more than connections (wrk refuses that). */
  threads: number;
  durationS: number;
  /** wrk's --timeout: a request slower than this is counted as a timeout, not a latency. */
  timeoutS: number;
  prefixFile: string;
  script?: string;
}

export interface WrkRun {
  command: string[];
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** The arguments of one wrk run: --latency for the distribution, the Lua script, its prefixes file. */
export function wrkArgs(options: WrkOptions): string[] {
  const threads = Math.max(1, Math.min(options.threads, options.connections));
  return [
    `-t${threads}`,
    `-c${options.connections}`,
    `-d${options.durationS}s`,
    `--timeout`,
    `${options.timeoutS}s`,
    '--latency',
    '-s',
    options.script ?? searchScript,
    options.url,
    '--',
    options.prefixFile,
  ];
}

/** Runs Debian's wrk once; bounded by its own -d plus a margin, killed if it overstays. */
export async function runWrk(options: WrkOptions): Promise<WrkRun> {
  const args = wrkArgs(options);
  const result = await execa('wrk', args, {
    reject: false,
    timeout: (options.durationS + options.timeoutS + 30) * 1000,
    env: { LANG: 'C' },
  });
  return {
    command: ['wrk', ...args],
    stdout: String(result.stdout ?? ''),
    stderr: String(result.stderr ?? ''),
    exitCode: result.exitCode ?? (result.timedOut ? 124 : 1),
  };
}
