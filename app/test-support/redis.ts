import { spawn } from 'node:child_process';
import { probeRedis } from '../../toolkit/local/probes.ts';
import { freePorts } from '../../toolkit/local/testing.ts';
import { waitFor } from '../../toolkit/procedure/poll.ts';

export interface TestRedis {
  port: number;
  stop(): Promise<void>;
}

/** A throwaway redis-server for one test file: no persistence, its own free port. */
export async function startRedis(): Promise<TestRedis> {
  const port = await freePorts(1);
  const child = spawn(
    'redis-server',
    ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  await waitFor(async () => ((await probeRedis('127.0.0.1', port)) ? true : undefined), {
    timeoutMs: 10_000,
    what: `redis on ${port}`,
  });
  return {
    port,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
