// Day 2 on existing hosts (issue 20): SSH keys changed in the config reach every host, not only new ones
// (cloud-init writes them at the first boot alone); `up` hands over to the replication runbook by name.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../lib/temp-dirs.ts';
import { authorizedKeysFile, syncAuthorizedKeys } from './hosts.ts';
import { type MockedResource, runStack, type StackRun } from './testing/run-stack.ts';

const newKey = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINewTeamMemberKeyxxxxxxxxxxxxxxxxxxxxxxxxxx new-member';
const runs: Record<string, StackRun> = {};
beforeAll(async () => {
  runs.before = await runStack('dev');
  const sync = runs.before.resources.find((r) => r.name === 'dev-app-ssh-keys');
  const keys = String(sync?.inputs.stdin ?? '')
    .split('\n')
    .filter((l) => l.startsWith('ssh-'));
  runs.after = await runStack('dev', { 'highload-social:sshPublicKeys': [...keys, newKey] });
});

const byUrn = (run: StackRun) => new Map(run.resources.map((r) => [r.urn, r]));
const same = (a: MockedResource, b: MockedResource) => JSON.stringify(a.inputs) === JSON.stringify(b.inputs);

describe('SSH keys on existing hosts', () => {
  it('rewrites every host authorized_keys when the keys change, and changes nothing else but the boot metadata', () => {
    const before = byUrn(runs.before!);
    const after = byUrn(runs.after!);
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    const changed = [...before.values()]
      .filter((r) => !same(r, after.get(r.urn)!))
      .map((r) => `${r.type.split(':').at(-1)} ${r.name}`);
    expect(changed.sort()).toEqual(
      [
        'Instance dev-app',
        'Instance dev-app-db-slave',
        'Instance dev-monitoring',
        'Instance dev-vitess',
        'Command dev-app-ssh-keys',
        'Command dev-app-db-slave-ssh-keys',
        'Command dev-monitoring-ssh-keys',
        'Command dev-vitess-ssh-keys',
      ].sort(),
    );
    const named = (run: StackRun, type: string, name: string) =>
      run.resources.find((r) => r.type === type && r.name === name)!;
    for (const host of ['dev-app', 'dev-app-db-slave', 'dev-vitess']) {
      const sync = named(runs.after!, 'command:remote:Command', `${host}-ssh-keys`);
      expect(sync.inputs.stdin).toContain(newKey);
      expect(sync.inputs.triggers).toContain(newKey);
      expect(sync.inputs.create).toBe(syncAuthorizedKeys);
      // The instance changes its metadata only (in place in GCP): for the next boot's cloud-init.
      const instance = 'gcp:compute/instance:Instance';
      const [b, a] = [named(runs.before!, instance, host).inputs, named(runs.after!, instance, host).inputs];
      expect({ ...a, metadata: null }).toEqual({ ...b, metadata: null });
    }
  });
});

describe('the authorized_keys sync command, run here with HOME in a scratch dir', () => {
  const sync = (home: string, input: string) =>
    spawnSync('sh', ['-c', syncAuthorizedKeys], {
      env: { PATH: process.env.PATH, HOME: home },
      input,
      encoding: 'utf8',
    });

  it('replaces the file with exactly the configured keys, owner-only', () => {
    const home = makeTempDir('ssh-keys-');
    try {
      execFileSync('mkdir', ['-p', join(home, '.ssh')]);
      writeFileSync(join(home, '.ssh', 'authorized_keys'), 'ssh-ed25519 AAAAold removed-member\n');
      const result = sync(home, authorizedKeysFile([newKey]));
      expect(result.status, result.stderr).toBe(0);
      const file = join(home, '.ssh', 'authorized_keys');
      expect(readFileSync(file, 'utf8')).toBe(authorizedKeysFile([newKey]));
      expect(readFileSync(file, 'utf8')).not.toContain('removed-member');
      expect(statSync(file).mode & 0o777).toBe(0o600);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('keeps the old file when the new one holds no key, failing with one line', () => {
    const home = makeTempDir('ssh-keys-');
    try {
      execFileSync('mkdir', ['-p', join(home, '.ssh')]);
      writeFileSync(join(home, '.ssh', 'authorized_keys'), `${newKey}\n`);
      const result = sync(home, authorizedKeysFile([]));
      expect(result.status).toBe(1);
      expect(result.stderr.trim()).toBe('no key in the new authorized_keys: kept the old one');
      expect(readFileSync(join(home, '.ssh', 'authorized_keys'), 'utf8')).toBe(`${newKey}\n`);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe('after up', () => {
  it('hands over to the replication runbook, naming the slaves and the environment', () => {
    expect(runs.before!.handOver).toContain('npx zx scripts/replication.mjs --env dev');
    expect(runs.before!.handOver).toContain('db-slave-1, db-slave-2');
  });
});
