import { execFile } from 'node:child_process';

export interface PromtoolResult {
  ok: boolean;
  output: string;
}

/** `promtool <args>`: ok when it exits 0, with what it printed either way. */
export function promtool(args: string[], cwd?: string): Promise<PromtoolResult> {
  return new Promise((resolve) => {
    execFile('promtool', args, { cwd, encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ ok: !error, output: `${stdout}${stderr}`.trim() }),
    );
  });
}
