// The data disk's boot script as cloud-init runs it, on a real block device: a loop device over a file,
// mounted in a private mount namespace of the test's own (unshare -m), so nothing outside it sees a mount.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderCloudInit } from './cloud-init.ts';

/** The script exactly as the user-data of a database host carries it. */
const userData = parse(
  renderCloudInit({ sshUser: 'deploy', sshPublicKeys: ['ssh-ed25519 AAAA test'], dataDisk: true }),
);
const script = (userData.bootcmd as string[])[0]!;

let dir: string;
let device: string;
let env: Record<string, string>;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'data-disk-'));
  writeFileSync(join(dir, 'disk.img'), '');
  truncateSync(join(dir, 'disk.img'), 32 * 1024 * 1024);
  const loop = spawnSync('losetup', ['--find', '--show', join(dir, 'disk.img')], { encoding: 'utf8' });
  if (loop.status !== 0) throw new Error(`losetup failed (needs root and loop devices): ${loop.stderr}`);
  device = loop.stdout.trim();
  writeFileSync(join(dir, 'fstab'), '# fstab of the test\n');
  env = {
    ...process.env,
    DATA_DISK: device,
    DATA_DISK_TARGET: join(dir, 'volumes'),
    FSTAB: join(dir, 'fstab'),
  } as Record<string, string>;
});
afterAll(() => {
  if (device) spawnSync('losetup', ['--detach', device]);
  rmSync(dir, { recursive: true, force: true });
});

/** One boot: the script, then `after` in the same mount namespace; the mount ends with it. */
function boot(after: string, extraEnv: Record<string, string> = {}) {
  const result = spawnSync('unshare', ['--mount', 'sh', '-c', `${script}\n${after}`], {
    encoding: 'utf8',
    env: { ...env, ...extraEnv },
    timeout: 30_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('mount-data-disk (cloud-init bootcmd of database hosts)', () => {
  it('formats a blank disk, mounts it at the volumes directory, records it in fstab, drops lost+found', () => {
    const first = boot(
      `findmnt -n -o SOURCE,FSTYPE "$target"; ls -A "$target"; echo kept > "$target/marker"`,
    );
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(first.stdout.trim()).toBe(`${device} ext4`);
    expect(readFileSync(join(dir, 'fstab'), 'utf8')).toBe(
      `# fstab of the test\n${device} ${join(dir, 'volumes')} ext4 defaults,nofail,discard 0 2\n`,
    );
  });

  it('on the next boot (or a new instance) mounts the same filesystem again without formatting it', () => {
    const second = boot('cat "$target/marker"; ls -A "$target"');
    expect(second.status).toBe(0);
    expect(second.stdout.split('\n')).toEqual(['kept', 'marker', '']);
    expect(readFileSync(join(dir, 'fstab'), 'utf8').match(/ext4 defaults/g)).toHaveLength(1);
  });

  it('gives up with one clear line when the disk is not attached, formatting nothing', () => {
    const missing = boot('', { DATA_DISK: join(dir, 'no-such-disk'), DATA_DISK_WAIT_SECONDS: '1' });
    expect(missing.status).toBe(1);
    expect(missing.stderr.trim()).toBe(`data disk ${join(dir, 'no-such-disk')} not attached after 1 s`);
  });
});
