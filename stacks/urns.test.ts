// The stacks as deployed before hosts became components (stacks/fixtures/urns-e0ff9ce.json) against the
// program now: the engine finds an old resource under its new URN or one of its aliases, so nothing is
// created anew or deleted; a URN it found nowhere would be a delete plus a create.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Host } from './hosts.ts';
import { HttpsFrontend } from './https.ts';
import {
  type MockedResource,
  repoRoot,
  runStack,
  type StackRun,
  stackConfigFile,
} from './testing/run-stack.ts';

interface Deployed {
  config: Record<string, unknown>;
  urns: string[];
}
const fixture = JSON.parse(
  readFileSync(join(repoRoot, 'stacks', 'fixtures', 'urns-e0ff9ce.json'), 'utf8'),
) as { stacks: Record<'dev' | 'prod', Deployed> };

const stacks = ['dev', 'prod'] as const;
/** Each stack under the config it was deployed with, and under today's Pulumi.<stack>.yaml. */
const runs: Record<string, { deployedConfig: StackRun; currentConfig: StackRun }> = {};
beforeAll(async () => {
  for (const stack of stacks) {
    // Keys today's file adds are unset, so the run sees the deployed config alone.
    const unsetNew = Object.fromEntries(Object.keys(stackConfigFile(stack)).map((k) => [k, undefined]));
    runs[stack] = {
      deployedConfig: await runStack(stack, { ...unsetNew, ...fixture.stacks[stack].config }),
      currentConfig: await runStack(stack),
    };
  }
});

/** Old URN → the resources of the new run that claim it (by their URN or an alias). */
function claims(run: StackRun, oldUrns: string[]): Map<string, MockedResource[]> {
  const found = new Map<string, MockedResource[]>(oldUrns.map((urn) => [urn, []]));
  for (const resource of run.resources) {
    for (const urn of new Set([resource.urn, ...resource.options.aliases])) found.get(urn)?.push(resource);
  }
  return found;
}

/** Resources of the stack as a whole, not of one host. */
const stackWide = [
  'gcp:compute/firewall:Firewall',
  'gcp:compute/resourcePolicy:ResourcePolicy',
  'gcp:projects/service:Service',
  'gcp:compute/network:Network',
  'gcp:compute/subnetwork:Subnetwork',
  'gcp:artifactregistry/repository:Repository',
  'gcp:storage/bucket:Bucket',
  HttpsFrontend.type,
];

const hostUrn = (stack: string, name: string) =>
  `urn:pulumi:${stack}::highload-social::${Host.type}::${name}`;

describe.each(stacks)('%s stack: hosts as components, migrated by aliases', (stack) => {
  const deployed = () => fixture.stacks[stack];

  it.each(['deployedConfig', 'currentConfig'] as const)(
    'finds every deployed resource again, each claimed by exactly one resource (%s)',
    (which) => {
      const run = runs[stack]![which];
      const unclaimed: string[] = [];
      const ambiguous: string[] = [];
      for (const [urn, by] of claims(run, deployed().urns)) {
        if (by.length === 0) unclaimed.push(urn);
        if (by.length > 1) ambiguous.push(`${urn} ← ${by.map((r) => r.urn).join(', ')}`);
      }
      // Images replaced by design, their old RemoteImage alone deleted: the app image moved to the stack's
      // own registry (the image pipeline); MySQL 8.0, RabbitMQ 3.13 and ClickHouse 23.8 went out of support
      // (docs/versions.md). Nothing else may be.
      const movedImage = (urn: string) =>
        which === 'currentConfig' &&
        /::docker:index\/remoteImage:RemoteImage::[\w-]+-image-(ghcr-io-|mysql-8-0|rabbitmq-3-13-|clickhouse-clickhouse-server-23-8)/.test(
          urn,
        );
      expect(unclaimed.filter((urn) => !movedImage(urn))).toEqual([]);
      expect(ambiguous).toEqual([]);
      // The fixture is not trivially met: the old URNs are now aliases, not the URNs themselves.
      const urns = new Set(run.resources.map((r) => r.urn));
      expect(deployed().urns.filter((urn) => urns.has(urn)).length).toBeLessThan(deployed().urns.length);
    },
  );

  it('keeps each resource its type and name: only the parent changes', () => {
    const run = runs[stack]!.deployedConfig;
    for (const [oldUrn, [resource]] of claims(run, deployed().urns)) {
      const [, , oldType, oldName] = oldUrn.split('::');
      expect(`${resource?.type}::${resource?.name}`).toBe(`${oldType}::${oldName}`);
    }
  });

  it('groups each host with its address, instance, data disk, readiness check, Docker provider and containers', () => {
    const run = runs[stack]!.currentConfig;
    const hosts = run.resources.filter((r) => r.type === Host.type);
    expect(hosts.map((h) => h.name).sort()).toEqual(
      Object.keys(run.outputs.hosts)
        .map((key) => `${stack}-${key}`)
        .sort(),
    );
    for (const resource of run.resources) {
      if (resource.type === Host.type || stackWide.includes(resource.type)) {
        expect(resource.options.parent).toBe('');
        continue;
      }
      // The load balancer's parts belong to it, not to a host.
      if (resource.options.parent.includes(`::${HttpsFrontend.type}::`)) continue;
      // Every other resource belongs to the host its name starts with (the longest such host name).
      const owner = hosts
        .map((h) => h.name)
        .filter((name) => resource.name === name || resource.name.startsWith(`${name}-`))
        .sort((a, b) => b.length - a.length)[0];
      expect(resource.options.parent, resource.urn).toBe(hostUrn(stack, owner ?? '(none)'));
    }
    const app = run.resources.filter((r) => r.options.parent === hostUrn(stack, `${stack}-app`));
    expect(new Set(app.map((r) => r.type))).toEqual(
      new Set([
        'gcp:compute/address:Address',
        'gcp:compute/instance:Instance',
        'gcp:compute/disk:Disk',
        'gcp:compute/diskResourcePolicyAttachment:DiskResourcePolicyAttachment',
        'command:remote:Command',
        'pulumi:providers:docker',
        'docker:index/network:Network',
        'docker:index/remoteImage:RemoteImage',
        'docker:index/volume:Volume',
        'docker:index/container:Container',
      ]),
    );
  });
});

describe('protect flows from a host to its children', () => {
  it('guards address, instance, data disk and volumes of prod data hosts, never the parts rebuilt on purpose', () => {
    const prod = runs.prod!.currentConfig;
    for (const hostName of ['prod-app', 'prod-app-db-slave-1']) {
      const children = prod.resources.filter((r) => r.options.parent === hostUrn('prod', hostName));
      const keeps = [
        'gcp:compute/address:Address',
        'gcp:compute/instance:Instance',
        'gcp:compute/disk:Disk',
        'docker:index/volume:Volume',
      ];
      for (const child of children) {
        expect([child.urn, child.options.protect]).toEqual([child.urn, keeps.includes(child.type)]);
      }
    }
    expect(prod.resources.find((r) => r.urn === hostUrn('prod', 'prod-app'))?.options.protect).toBe(true);
    const vitess = prod.resources.filter((r) => r.options.parent === hostUrn('prod', 'prod-vitess'));
    expect(vitess.length).toBeGreaterThan(0);
    expect(vitess.filter((r) => r.options.protect).map((r) => r.urn)).toEqual([]);
  });

  it('guards nothing in dev', () => {
    const dev = runs.dev!.currentConfig;
    expect(dev.resources.filter((r) => r.options.protect).map((r) => r.urn)).toEqual([]);
  });
});
