import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { waitFor } from './poll.ts';

/** A process with a temp dir and a reaped child (both users of the one hook): prints both, then idles. */
function both() {
  const script = `import { spawn } from 'node:child_process';
import { reapWithThisProcess } from ${JSON.stringify(join(import.meta.dirname, 'child-reaper.ts'))};
import { makeTempDir } from ${JSON.stringify(join(import.meta.dirname, 'temp-dirs.ts'))};
const sleeper = spawn('sleep', ['600'], { stdio: 'ignore' });
reapWithThisProcess(sleeper);
console.log(sleeper.pid, makeTempDir('at-exit-test-'));
setInterval(() => {}, 1000);`;
  return execa(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: join(import.meta.dirname, '..'),
    reject: false,
  });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('atExit', () => {
  it('runs every cleanup on a stop signal, then the process dies of it', async () => {
    const running = both();
    let out = '';
    running.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    await waitFor(async () => (out.includes('\n') ? true : undefined), {
      timeoutMs: 20_000,
      what: 'the process to print its child and temp dir',
    });
    const [pid, dir] = out.trim().split(' ');
    expect(alive(Number(pid))).toBe(true);
    expect(existsSync(dir!)).toBe(true);
    running.kill('SIGTERM');
    const result = await running;
    expect(result.signal).toBe('SIGTERM');
    expect(existsSync(dir!)).toBe(false);
    await waitFor(async () => (alive(Number(pid)) ? undefined : true), {
      timeoutMs: 10_000,
      what: `the child ${pid} to be gone`,
    });
  });
});
