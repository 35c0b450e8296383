import { type ChildProcess, spawn } from 'node:child_process';
import { freePorts, probeRedis } from '../../lib/net.ts';
import { waitFor } from '../../lib/poll.ts';

export interface TestRedis {
  port: number;
  /** Starts it again on the same port (empty: it keeps nothing), after stop(). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** A throwaway redis-server for one test file: no persistence, its own free port. */
export async function startRedis(): Promise<TestRedis> {
  const port = await freePorts(1);
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(
      'redis-server',
      ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    await waitFor(async () => ((await probeRedis('127.0.0.1', port)) ? true : undefined), {
      timeoutMs: 10_000,
      what: `redis on ${port}`,
    });
  };
  const stop = async () => {
    const running = child;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGTERM');
    await exited;
  };
  await start();
  return { port, start, stop };
}
