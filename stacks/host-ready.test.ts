// The new host's readiness check, run by sh against stand-ins for cloud-init, systemctl, getent, mountpoint
// and hostname: it passes on a ready host, and a failure names the host, the step and cloud-init's state.
import { spawnSync } from 'node:child_process';
import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../lib/temp-dirs.ts';
import { dockerVolumesDir } from './cloud-init.ts';
import { hostReadyCheck } from './hosts.ts';

const bin = makeTempDir('host-ready-');
afterAll(() => rmSync(bin, { recursive: true, force: true }));

/** Each stand-in exits 0 unless $BROKEN names it; cloud-init prints its state, getent the docker group. */
const standIns: Record<string, string> = {
  'cloud-init': 'echo "status: $CLOUD_INIT"',
  systemctl: '[ "$BROKEN" != systemctl ]',
  getent: '[ "$BROKEN" = getent ] && echo "docker:x:999:" || echo "docker:x:999:deploy"',
  mountpoint: '[ "$BROKEN" != mountpoint ]',
  hostname: 'echo db-1',
};
for (const [name, body] of Object.entries(standIns)) {
  writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
  chmodSync(join(bin, name), 0o755);
}

function runCheck(keepsData: boolean, broken: string) {
  const result = spawnSync('sh', ['-c', hostReadyCheck('deploy', keepsData)], {
    encoding: 'utf8',
    env: { PATH: `${bin}:/usr/bin:/bin`, BROKEN: broken, CLOUD_INIT: broken ? 'error' : 'done' },
  });
  return { code: result.status, stderr: result.stderr.trim() };
}

describe('hostReadyCheck', () => {
  it('passes on a ready host, the data disk checked only where data is kept', () => {
    expect(runCheck(true, '')).toEqual({ code: 0, stderr: '' });
    expect(runCheck(false, 'mountpoint')).toEqual({ code: 0, stderr: '' });
  });

  it.each([
    ['systemctl', 'docker is not active'],
    ['getent', 'deploy is not in the docker group'],
    ['mountpoint', `${dockerVolumesDir} is not mounted`],
  ])('a failing %s says which host, which step and what cloud-init says', (broken, step) => {
    expect(runCheck(true, broken)).toEqual({
      code: 1,
      stderr: `db-1 not ready: ${step} (cloud-init: status: error)`,
    });
  });
});
