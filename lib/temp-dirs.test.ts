import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { waitFor } from './poll.ts';
import { makeTempDir, removeTempDir } from './temp-dirs.ts';

const module = join(import.meta.dirname, 'temp-dirs.ts');

/** A child process that makes a temp dir, prints it, then waits to be stopped or exits on its own. */
function child(script: string) {
  return execa(
    process.execPath,
    [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      `import { makeTempDir } from ${JSON.stringify(module)};\n${script}`,
    ],
    {
      cwd: join(import.meta.dirname, '..'),
      reject: false,
    },
  );
}

describe('makeTempDir', () => {
  it('removeTempDir removes the dir', () => {
    const dir = makeTempDir('temp-dirs-test-');
    writeFileSync(join(dir, 'file'), 'x');
    removeTempDir(dir);
    expect(existsSync(dir)).toBe(false);
  });

  it('removes the dir when the process exits, even after an error', async () => {
    const result = await child("console.log(makeTempDir('temp-dirs-test-')); throw new Error('boom');");
    expect(result.exitCode).not.toBe(0);
    const dir = result.stdout.trim();
    expect(dir).toMatch(/temp-dirs-test-/);
    expect(existsSync(dir)).toBe(false);
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    it(`removes the dir when the process is stopped with ${signal}`, async () => {
      const running = child("console.log(makeTempDir('temp-dirs-test-')); setInterval(() => {}, 1000);");
      let dir = '';
      running.stdout?.on('data', (chunk: Buffer) => {
        dir += chunk.toString();
      });
      await waitFor(async () => (dir.includes('\n') ? true : undefined), {
        timeoutMs: 20_000,
        what: 'the child to print its temp dir',
      });
      expect(existsSync(dir.trim())).toBe(true);
      running.kill(signal);
      const result = await running;
      expect(result.signal).toBe(signal);
      expect(existsSync(dir.trim())).toBe(false);
    });
});
