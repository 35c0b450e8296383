import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type HttpRequest, type HttpResponse, httpRequest } from '../../lib/http.ts';
import { waitFor } from '../../lib/poll.ts';
import { repoRoot } from '../inventory/paths.ts';

const appMain = resolve(repoRoot, 'app/src/main.ts');

export interface AppProcess {
  name: string;
  port: number;
  log: string;
  child: ChildProcess;
}

/** One app instance as its own process (so a test can SIGKILL it), logging to a file of `dir`. */
export async function spawnAppProcess(
  name: string,
  port: number,
  env: Record<string, string>,
  dir: string,
): Promise<AppProcess> {
  const log = join(dir, `${name}.log`);
  const fd = openSync(log, 'a');
  const child = spawn(process.execPath, ['--import', 'tsx', appMain], {
    cwd: repoRoot,
    stdio: ['ignore', fd, fd],
    env: { PATH: process.env.PATH ?? '', ...env, APP_HOST: '127.0.0.1', APP_PORT: String(port) },
  });
  closeSync(fd);
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`${name} exited: see ${log}`);
      return (await httpCall({ port, path: '/ready' })).status === 200 ? true : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 250, what: `${name}'s /ready on ${port}` },
  );
  return { name, port, log, child };
}

/** One HTTP call from a chosen loopback source address (a distinct "client" per address), on a connection of its own. */
export function httpCall(options: Omit<HttpRequest, 'agent' | 'timeoutMs'>): Promise<HttpResponse> {
  return httpRequest(options);
}
