// Data on its own disks: every database host gets a protected (in prod) persistent disk under Docker's
// volumes with a snapshot schedule, and replacing an instance keeps the disk while that host's containers
// are made again on the new machine.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { dockerVolumesDir } from './cloud-init.ts';
import { instanceLabel } from './containers.ts';
import { knownHostsFile } from './host-keys.ts';
import { Host } from './hosts.ts';
import {
  type MockedResource,
  resourcesOf,
  runStack,
  type StackRun,
  unwrapSecrets,
} from './testing/run-stack.ts';

const types = {
  instance: 'gcp:compute/instance:Instance',
  disk: 'gcp:compute/disk:Disk',
  attachment: 'gcp:compute/diskResourcePolicyAttachment:DiskResourcePolicyAttachment',
  policy: 'gcp:compute/resourcePolicy:ResourcePolicy',
  container: 'docker:index/container:Container',
  network: 'docker:index/network:Network',
  image: 'docker:index/remoteImage:RemoteImage',
  volume: 'docker:index/volume:Volume',
};

const runs: Record<string, StackRun> = {};
const knownHostsOf = (run: StackRun, stack: string) =>
  readFileSync(join(run.home, '.ssh', `highload-social-${stack}-known_hosts`), 'utf8');
/** What each host's readiness and key-sync commands connect with (the provider keeps it secret). */
const connectionKeys = (run: StackRun) =>
  new Map(
    resourcesOf(run, 'command:remote:Command').map((c) => [
      c.name,
      (unwrapSecrets(c.inputs.connection) as { hostKey?: string }).hostKey,
    ]),
  );
beforeAll(async () => {
  runs.dev = await runStack('dev');
  runs.prod = await runStack('prod');
  runs.newImage = await runStack('dev', {
    'highload-social:bootImage': 'projects/ubuntu-os-cloud/global/images/family/ubuntu-2404-lts-amd64',
  });
});

const childrenOf = (run: StackRun, host: MockedResource) =>
  run.resources.filter((r) => r.options.parent === host.urn);
const only = (list: MockedResource[], type: string) => {
  const found = list.filter((r) => r.type === type);
  expect(found.map((r) => r.name)).toHaveLength(1);
  return found[0]!;
};
const userData = (instance: MockedResource) =>
  (instance.inputs.metadata as Record<string, string>)['user-data'] ?? '';

describe.each(['dev', 'prod'])('%s: a data disk per database host', (stack) => {
  it('gives every host with databases its own disk, attached to its instance, on a snapshot schedule', () => {
    const run = runs[stack]!;
    const policy = only(run.resources, types.policy);
    expect(policy.inputs).toMatchObject({
      region: 'europe-west1',
      snapshotSchedulePolicy: {
        schedule: { dailySchedule: { daysInCycle: 1, startTime: '03:00' } },
        retentionPolicy: { maxRetentionDays: 14, onSourceDiskDelete: 'KEEP_AUTO_SNAPSHOTS' },
      },
    });
    const hosts = resourcesOf(run, Host.type);
    const dataHosts = hosts.filter((h) => !h.name.endsWith('-vitess'));
    // The app host, the slave hosts and the monitoring host (Prometheus's samples).
    expect(dataHosts.length).toBe(stack === 'prod' ? 4 : 3);
    for (const host of dataHosts) {
      const children = childrenOf(run, host);
      const disk = only(children, types.disk);
      const instance = only(children, types.instance);
      expect(disk.inputs).toMatchObject({ name: `${host.name}-data`, zone: instance.inputs.zone });
      expect(instance.inputs.attachedDisks).toEqual([
        { source: expect.stringMatching(new RegExp(`/${disk.inputs.name}$`)), deviceName: 'data' },
      ]);
      expect(only(children, types.attachment).inputs).toMatchObject({
        disk: disk.inputs.name,
        name: policy.inputs.name,
        zone: instance.inputs.zone,
      });
      // Mounted where Docker keeps every named volume, before Docker may start.
      expect(userData(instance)).toContain(`target=${'$'}{DATA_DISK_TARGET:-${dockerVolumesDir}}`);
      expect(userData(instance)).toContain(`RequiresMountsFor=${dockerVolumesDir}`);
      expect(children.filter((r) => r.type === types.volume).length).toBeGreaterThan(0);
      expect(disk.options.protect).toBe(stack === 'prod');
    }
    const vitess = hosts.find((h) => h.name.endsWith('-vitess'))!;
    expect(childrenOf(run, vitess).filter((r) => r.type === types.disk)).toEqual([]);
    expect(userData(only(childrenOf(run, vitess), types.instance))).not.toContain(dockerVolumesDir);
  });

  it('replaces an instance by deleting it first: its name, address and disk are its own', () => {
    for (const instance of resourcesOf(runs[stack]!, types.instance)) {
      expect(instance.options.deleteBeforeReplace).toBe(true);
    }
  });
});

describe('replacing an instance (another boot image)', () => {
  const original = () => runs.dev!;
  const replaced = () => runs.newImage!;
  const byUrn = (run: StackRun) => new Map(run.resources.map((r) => [r.urn, r]));

  it("changes every instance's boot image, which GCP cannot change in place", () => {
    const images = (run: StackRun) =>
      resourcesOf(run, types.instance).map(
        (i) => (i.inputs.bootDisk as { initializeParams: { image: string } }).initializeParams.image,
      );
    expect(images(replaced())).not.toEqual(images(original()));
  });

  it('keeps every data disk, its snapshot attachment and every volume exactly as they were', () => {
    const old = byUrn(original());
    for (const type of [types.disk, types.attachment, types.volume, types.policy]) {
      const kept = resourcesOf(replaced(), type);
      expect(kept.length).toBeGreaterThan(0);
      for (const resource of kept) {
        expect(resource.inputs, resource.urn).toEqual(old.get(resource.urn)?.inputs);
        // Nothing ties them to the instance, so nothing replaces them with it.
        expect(resource.options.dependencies.some((d) => d.includes('compute/instance:Instance'))).toBe(
          false,
        );
      }
    }
  });

  it("makes the host's network, images and containers anew: they name the new instance", () => {
    const old = byUrn(original());
    const instanceIds = new Map(
      resourcesOf(replaced(), types.instance).map((i) => [i.options.parent, `${i.name}-`]),
    );
    for (const type of [types.network, types.container]) {
      for (const resource of resourcesOf(replaced(), type)) {
        const label = (r: MockedResource | undefined) =>
          (r?.inputs.labels as Array<{ label: string; value: string }> | undefined)?.find(
            (l) => l.label === instanceLabel,
          )?.value;
        expect(label(resource), resource.urn).toMatch(
          new RegExp(`^${instanceIds.get(resource.options.parent)}`),
        );
        expect(label(resource)).not.toBe(label(old.get(resource.urn)));
        // A container cannot take its name and ports while the old one holds them.
        if (type === types.container) expect(resource.options.deleteBeforeReplace).toBe(true);
      }
    }
    for (const image of resourcesOf(replaced(), types.image)) {
      expect(image.inputs.triggers).not.toEqual(old.get(image.urn)?.inputs.triggers);
    }
  });
});

describe('host keys after a replacement', () => {
  it("pins the new instance's keys in the stack's known_hosts, the old ones gone, in the same run", () => {
    const before = knownHostsOf(runs.dev!, 'dev');
    const after = knownHostsOf(runs.newImage!, 'dev');
    for (const instance of resourcesOf(runs.newImage!, types.instance)) {
      const name = String(instance.inputs.name);
      const fresh = runs.newImage!.hostKeys.get(name)!;
      const stale = runs.dev!.hostKeys.get(name)!;
      expect(fresh.map((k) => k.key)).not.toEqual(stale.map((k) => k.key));
      for (const k of fresh) expect(after).toContain(` ${k.type} ${k.key}`);
      for (const k of stale) {
        expect(before).toContain(` ${k.type} ${k.key}`);
        expect(after).not.toContain(k.key);
      }
    }
  });

  it("has the host's readiness and key-sync commands expect the new instance's key", () => {
    const [before, after] = [connectionKeys(runs.dev!), connectionKeys(runs.newImage!)];
    // Two commands (readiness, key sync) per instance.
    expect(after.size).toBe(2 * resourcesOf(runs.newImage!, types.instance).length);
    for (const [name, key] of after) {
      const instance = name.replace(/-(docker-ready|ssh-keys)$/, '');
      const ecdsa = runs.newImage!.hostKeys.get(instance)!.find((k) => k.type === 'ecdsa-sha2-nistp256')!;
      expect(key, name).toBe(`ecdsa-sha2-nistp256 ${ecdsa.key}`);
      expect(key).not.toBe(before.get(name));
    }
  });
});

describe('reaching a host', () => {
  it.each(['dev', 'prod'])(
    "%s: Docker's ssh trusts only the stack's known_hosts, which holds each host's keys from its guest attributes",
    (stack) => {
      const run = runs[stack]!;
      const providers = resourcesOf(run, 'pulumi:providers:docker');
      // One Docker provider per instance (the app, slave, monitoring and, where there is one, Vitess hosts).
      expect(providers.length).toBe(resourcesOf(run, types.instance).length);
      for (const provider of providers) {
        const opts = JSON.parse(String(provider.inputs.sshOpts)) as string[];
        expect(opts).toEqual(
          expect.arrayContaining([
            'StrictHostKeyChecking=yes',
            `UserKnownHostsFile=${knownHostsFile(stack)}`,
            'GlobalKnownHostsFile=/dev/null',
          ]),
        );
        expect(opts.join(' ')).not.toContain('accept-new');
      }
      const file = knownHostsOf(run, stack);
      const path = join(run.home, '.ssh', `highload-social-${stack}-known_hosts`);
      expect(statSync(path).mode & 0o777).toBe(0o600);
      const lines = file.split('\n').filter((l) => l && !l.startsWith('#'));
      const instances = resourcesOf(run, types.instance);
      expect(lines).toHaveLength(instances.length * 3);
      for (const instance of instances) {
        expect((instance.inputs.metadata as Record<string, string>)['enable-guest-attributes']).toBe('TRUE');
        const name = String(instance.inputs.name);
        const address = run.outputs.hosts[name.slice(stack.length + 1)]!;
        for (const k of run.hostKeys.get(name)!) expect(lines).toContain(`${address} ${k.type} ${k.key}`);
      }
      for (const [name, key] of connectionKeys(run)) expect(key, name).toMatch(/^ecdsa-sha2-nistp256 \S+$/);
    },
  );

  it('waits for SSH with retries and a deadline, checks the data disk is mounted, shares one connection', () => {
    const run = runs.prod!;
    const ready = resourcesOf(run, 'command:remote:Command').find((c) => c.name === 'prod-app-docker-ready');
    // The command provider keeps its connection secret.
    expect(unwrapSecrets(ready?.inputs.connection)).toMatchObject({ dialErrorLimit: 60, perDialTimeout: 10 });
    expect(String(ready?.inputs.create)).toMatch(/^timeout 900 cloud-init status --wait/);
    expect(String(ready?.inputs.create)).toContain(`mountpoint -q ${dockerVolumesDir}`);
    for (const provider of resourcesOf(run, 'pulumi:providers:docker')) {
      // A provider's inputs reach the engine as JSON text.
      expect(provider.inputs.disableDockerDaemonCheck).toBe('true');
      expect(String(provider.inputs.sshOpts)).toContain('"-o","ControlMaster=auto","-o","ControlPath=');
    }
  });
});
