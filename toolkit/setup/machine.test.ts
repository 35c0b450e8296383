import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { repoRoot } from '../inventory/paths.ts';
import { missingPackages } from './install.ts';
import { machineHost } from './machine.ts';
import { debianPackages } from './packages.ts';

const savedPath = process.env.PATH;
afterEach(() => {
  process.env.PATH = savedPath;
});

describe('the set-up on this machine', () => {
  it('finds every binary of the table, those in /usr/sbin too, with a PATH that lacks sbin', () => {
    process.env.PATH = '/usr/bin:/bin';
    const missing = missingPackages(debianPackages, (binary) => machineHost().isPresent(binary));
    expect(missing.map((need) => need.binary)).toEqual([]);
  });

  it("`npm test`'s pretest exits 0 and prints nothing when nothing is missing", async () => {
    const result = await execa('npm', ['run', '--silent', 'pretest'], { cwd: repoRoot, reject: false });
    expect({ code: result.exitCode, stdout: result.stdout, stderr: result.stderr }).toEqual({
      code: 0,
      stdout: '',
      stderr: '',
    });
  });
});
