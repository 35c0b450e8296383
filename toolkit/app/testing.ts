import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { request } from 'node:http';
import { join, resolve } from 'node:path';
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

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP call from a chosen loopback source address (a distinct "client" per address). */
export function httpCall(options: {
  port: number;
  path: string;
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
  from?: string;
}): Promise<HttpAnswer> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolvePromise, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: options.port,
        path: options.path,
        method: options.method ?? 'GET',
        localAddress: options.from,
        agent: false,
        timeout: 15_000,
        headers: {
          ...(payload ? { 'content-type': 'application/json' } : {}),
          ...options.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolvePromise({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.end(payload);
  });
}
