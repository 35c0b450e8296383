// Day 2 (issue 20): slave hosts keep their names and slaves their hosts when the stack grows. With
// `slavePlacement` pinned, a new slave host adds resources and changes nothing that exists but the
// lists that name every node (HAProxy's config, the MySQL firewall range); the round-robin numbers of
// before would rename the one slave host and move slaves onto the new one as empty containers.
import { beforeAll, describe, expect, it } from 'vitest';
import { readSettings } from './config.ts';
import { type MockedResource, runStack, type StackRun } from './testing/run-stack.ts';

const key = (k: string) => `highload-social:${k}`;
const pinned = { 'db-slave-1': 'app-db-slave', 'db-slave-2': 'app-db-slave' };
const runs: Record<string, StackRun> = {};
beforeAll(async () => {
  runs.pinned = await runStack('dev', { [key('slavePlacement')]: pinned });
  runs.grown = await runStack('dev', {
    [key('slavePlacement')]: { ...pinned, 'db-slave-3': 'app-db-slave-2' },
  });
  runs.roundRobinGrown = await runStack('dev', {
    [key('slavePlacement')]: undefined,
    [key('slaves')]: 3,
    [key('slaveHosts')]: 2,
  });
});

const byUrn = (run: StackRun) => new Map(run.resources.map((r) => [r.urn, r]));
const stable = (r: MockedResource) => JSON.stringify({ inputs: r.inputs, options: r.options });

describe('slave placement pinned in the stack config', () => {
  it('adds a second slave host and a third slave without renaming, moving or changing any other resource', () => {
    const before = byUrn(runs.pinned!);
    const after = byUrn(runs.grown!);
    const gone = [...before.keys()].filter((urn) => !after.has(urn));
    expect(gone).toEqual([]);
    const changed = [...before.entries()]
      .filter(([urn, r]) => stable(r) !== stable(after.get(urn)!))
      .map(([, r]) => r.name)
      .sort();
    // HAProxy and its agent list every node, so does Prometheus's scrape config (the new host's
    // node_exporter, the new slave's mysqld-exporter); the MySQL and metrics rules' port ranges take
    // 10103 and its exporter's 9203.
    expect(changed).toEqual([
      'dev-app-haproxy',
      'dev-app-haproxy-agent',
      'dev-metrics',
      'dev-monitoring-prometheus',
      'dev-mysql',
    ]);
    const added = [...after.values()].filter((r) => !before.has(r.urn)).map((r) => r.name);
    expect(added).toContain('dev-app-db-slave-2');
    expect(added).toContain('dev-app-db-slave-2-db-slave-3');
    expect(added.every((name) => name.startsWith('dev-app-db-slave-2'))).toBe(true);
    expect(runs.grown!.outputs.inventory.mysql.slaves.map((s) => [s.name, s.port])).toEqual([
      ['db-slave-1', 10101],
      ['db-slave-2', 10102],
      ['db-slave-3', 10103],
    ]);
    const slave3 = [...after.values()].find((r) => r.name === 'dev-app-db-slave-2-db-slave-3');
    expect(slave3?.inputs.command).toEqual(['--server-id=4']);
  });

  it('is what the round-robin numbers gave before, so pinning an existing stack changes nothing', async () => {
    const numbers = await runStack('dev', {
      [key('slavePlacement')]: undefined,
      [key('slaves')]: 2,
      [key('slaveHosts')]: 1,
    });
    const pinnedRun = byUrn(runs.pinned!);
    expect(numbers.resources.map((r) => r.urn).sort()).toEqual([...pinnedRun.keys()].sort());
    for (const r of numbers.resources) expect(stable(r), r.urn).toBe(stable(pinnedRun.get(r.urn)!));
  });

  it('without it, growing from one slave host to two renames that host and moves a slave (what pinning prevents)', () => {
    const names = new Set(runs.roundRobinGrown!.resources.map((r) => r.name));
    expect(names.has('dev-app-db-slave')).toBe(false);
    expect(names.has('dev-app-db-slave-1-db-slave-1')).toBe(true);
    expect(names.has('dev-app-db-slave-2-db-slave-2')).toBe(true);
  });
});

describe('slavePlacement in the config', () => {
  const base = {
    sshPublicKeys: ['ssh-ed25519 AAAA test'],
    sshSourceRanges: ['203.0.113.0/24'],
    adminSourceRanges: ['203.0.113.0/24'],
    images: { app: 'registry.example/app:1' },
  };
  const read = (project: Record<string, unknown>) =>
    readSettings({
      project: (k) => ({ ...base, ...project })[k],
      gcp: (k) => ({ project: 'p', region: 'europe-west1' })[k],
    });

  it('counts slaves and hosts from the placement', () => {
    const settings = read({
      slavePlacement: { 'db-slave-1': 'app-db-slave-1', 'db-slave-2': 'app-db-slave-2' },
    });
    expect([settings.slaves, settings.slaveHosts]).toEqual([2, 2]);
  });

  it('refuses the numbers next to it, and names that are no slave or slave host', () => {
    expect(() => read({ slavePlacement: { 'db-slave-1': 'app-db-slave-1' }, slaves: 1 })).toThrow(
      'stack config slaves: slavePlacement already says where each slave runs; remove slaves (pulumi config rm slaves)',
    );
    expect(() => read({ slavePlacement: { replica: 'app-db-slave-1' } })).toThrow(
      /stack config slavePlacement/,
    );
    expect(() => read({ slavePlacement: { 'db-slave-1': 'db-host' } })).toThrow(
      /stack config slavePlacement/,
    );
    expect(() => read({ slavePlacement: {} })).toThrow(/stack config slave/);
  });
});
