import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../lib/poll.ts';
import { repoRoot } from '../inventory/paths.ts';
import { ancestry, procStat } from './env-watchdog.ts';

let child: ChildProcess | undefined;
let started: { stateDir: string; pids: number[]; watchdog: number } | undefined;

afterAll(() => {
  // Only if the test failed half-way: nothing of it may outlive the file.
  child?.kill('SIGKILL');
  for (const pid of [...(started?.pids ?? []), started?.watchdog ?? 0])
    if (pid && procStat(pid)) process.kill(pid, 'SIGKILL');
});

describe('the throwaway environment watchdog', () => {
  it('lists this process and its ancestors below the session leader', () => {
    const chain = ancestry();
    expect(chain[0]?.pid).toBe(process.pid);
    expect(chain.map((p) => p.pid)).toContain(process.ppid);
    expect(chain.every((p) => procStat(p.pid)?.startTime === p.startTime)).toBe(true);
  });

  it('takes the environment down when the process that started it is SIGKILLed', async () => {
    child = spawn(process.execPath, ['--import', 'tsx', 'toolkit/local/env-watchdog-test-child.ts'], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const firstLine = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child!.stdout! }).once('line', resolve);
      child!.once('exit', (code) => reject(new Error(`the child exited (${code}) before its env was up`)));
    });
    started = JSON.parse(firstLine) as { stateDir: string; pids: number[]; watchdog: number };
    expect(started.pids.length).toBe(2);
    expect(started.pids.every((pid) => procStat(pid))).toBe(true);
    child.kill('SIGKILL');
    const killedAt = Date.now();
    await waitFor(
      async (why) => {
        const alive = started!.pids.filter((pid) => procStat(pid));
        if (alive.length === 0 && !existsSync(started!.stateDir) && !procStat(started!.watchdog)) return true;
        why(
          `alive: ${alive.join(', ') || 'none'}; state dir ${existsSync(started!.stateDir) ? 'still there' : 'gone'}`,
        );
        return undefined;
      },
      { timeoutMs: 120_000, intervalMs: 200, what: 'the watchdog to take the environment down' },
    );
    console.log(`environment down ${Date.now() - killedAt} ms after the SIGKILL`);
  }, 240_000);
});
