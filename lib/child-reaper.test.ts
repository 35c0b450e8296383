import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { waitFor } from './poll.ts';

const module = join(import.meta.dirname, 'child-reaper.ts');

/** A process that starts a long sleep as its reaped child, prints the sleep's pid, then idles. */
function parent() {
  const script = `import { spawn } from 'node:child_process';
import { reapWithThisProcess } from ${JSON.stringify(module)};
const sleeper = spawn('sleep', ['600'], { stdio: 'ignore' });
reapWithThisProcess(sleeper);
console.log(sleeper.pid);
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

describe('reapWithThisProcess', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    it(`stops the child when this process is stopped with ${signal}, and still dies of it`, async () => {
      const running = parent();
      let out = '';
      running.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
      });
      await waitFor(async () => (out.includes('\n') ? true : undefined), {
        timeoutMs: 20_000,
        what: 'the parent to print its child',
      });
      const pid = Number(out.trim());
      expect(alive(pid)).toBe(true);
      running.kill(signal);
      const result = await running;
      expect(result.signal).toBe(signal);
      await waitFor(async () => (alive(pid) ? undefined : true), {
        timeoutMs: 10_000,
        what: `the child ${pid} to be gone`,
      });
    });
});
