import { execFile } from 'node:child_process';
import type { PromtoolResult } from './promtool.ts';

/** `amtool <args>` (prometheus-alertmanager): ok when it exits 0, with what it printed either way. */
export function amtool(args: string[], cwd?: string): Promise<PromtoolResult> {
  return new Promise((resolve) => {
    execFile('amtool', args, { cwd, encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ ok: !error, output: `${stdout}${stderr}`.trim() }),
    );
  });
}
