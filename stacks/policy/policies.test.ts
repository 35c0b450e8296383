import type { ResourceValidationPolicy, StackValidationPolicy } from '@pulumi/policy';
import { beforeAll, describe, expect, it } from 'vitest';
import { stackViolations, violations } from '../testing/policy-args.ts';
import { type MockedResource, runStack, type StackRun } from '../testing/run-stack.ts';
import {
  approvedBootImages,
  imagesByDigest,
  isWorldRange,
  noDefaultNetwork,
  nonPublicPorts,
  noWorldOpenAdminPorts,
  pinnedContainerImages,
  policies,
  secretsNotInPlainText,
} from './policies.ts';
import { databaseVolumesOnDataDisks } from './stack-rules.ts';

const runs: Record<string, StackRun> = {};
beforeAll(async () => {
  runs.dev = await runStack('dev');
  runs.prod = await runStack('prod');
});

async function allViolations(run: StackRun): Promise<string[]> {
  const found: string[] = [];
  for (const policy of policies as ResourceValidationPolicy[]) {
    for (const resource of run.resources) found.push(...(await violations(policy, resource)));
  }
  for (const policy of policies) {
    if ('validateStack' in policy)
      found.push(...(await stackViolations(policy as StackValidationPolicy, run)));
  }
  return found;
}

function resource(
  type: string,
  name: string,
  inputs: Record<string, unknown>,
  additionalSecretOutputs: string[] = [],
): MockedResource {
  return {
    urn: `urn:pulumi:test::highload-social::${type}::${name}`,
    type,
    name,
    inputs,
    options: {
      additionalSecretOutputs,
      protect: false,
      dependencies: [],
      deleteBeforeReplace: false,
      parent: '',
      aliases: [],
    },
  };
}
const firewall = (inputs: Record<string, unknown>) => resource('gcp:compute/firewall:Firewall', 'fw', inputs);
const container = (envs: string[], secretOutputs: string[] = ['envs']) =>
  resource('docker:index/container:Container', 'db', { envs }, secretOutputs);
const instance = (inputs: Record<string, unknown>) => resource('gcp:compute/instance:Instance', 'vm', inputs);

describe('policy pack against the mocked stacks', () => {
  it('passes every resource of dev and prod', async () => {
    expect(await allViolations(runs.dev!)).toEqual([]);
    expect(await allViolations(runs.prod!)).toEqual([]);
  });

  it('catches a stack whose admin range was widened to the world', async () => {
    const widened = await runStack('dev', { 'highload-social:adminSourceRanges': ['0.0.0.0/0'] });
    const found = await allViolations(widened);
    expect(found.sort()).toEqual([
      expect.stringContaining('dev-metrics lets 0.0.0.0/0 reach tcp 9100, 9121, 9464, 9465, 9466, 9200-9202'),
      expect.stringContaining('dev-monitoring lets 0.0.0.0/0 reach tcp 9090, 9093, 3000'),
      expect.stringContaining('dev-mysql lets 0.0.0.0/0 reach tcp 10100-10102'),
      expect.stringContaining('dev-services lets 0.0.0.0/0 reach tcp 5672, 15672, 3301, 8123'),
      expect.stringContaining('dev-vitess lets 0.0.0.0/0 reach tcp 15000, 15001, 15306, 15999'),
    ]);
  });

  it('catches a stack whose image was not an approved one', async () => {
    const debian = await runStack('dev', { 'highload-social:bootImage': 'debian-cloud/debian-12' });
    const found = await allViolations(debian);
    // One per instance: app, slave, monitoring, Vitess.
    expect(found.filter((m) => m.includes('is not approved'))).toHaveLength(4);
  });
});

describe('no-world-open-database-or-admin-ports', () => {
  it("rejects the seed's rule: tcp:10101 with no source range (GCP reads it as 0.0.0.0/0)", async () => {
    const seed = firewall({
      allows: [{ protocol: 'tcp', ports: ['10101'] }],
      targetTags: ['docker-machine'],
    });
    expect(await violations(noWorldOpenAdminPorts, seed)).toEqual([
      "fw lets any address (no source given) reach tcp 10101: limit sourceRanges to admin ranges and the stack's own hosts",
    ]);
  });

  it('rejects SSH or every port open to the world, and ranges only pretending not to be', async () => {
    const ssh = firewall({ sourceRanges: ['0.0.0.0/0'], allows: [{ protocol: 'tcp', ports: ['22'] }] });
    expect(await violations(noWorldOpenAdminPorts, ssh)).toHaveLength(1);
    const all = firewall({ sourceRanges: ['::/0'], allows: [{ protocol: 'all' }] });
    expect(await violations(noWorldOpenAdminPorts, all)).toEqual([
      expect.stringContaining('reach all every port'),
    ]);
    const halves = firewall({
      sourceRanges: ['0.0.0.0/1', '128.0.0.0/1'],
      allows: [{ protocol: 'tcp', ports: ['3306'] }],
    });
    expect(await violations(noWorldOpenAdminPorts, halves)).toHaveLength(1);
    const range = firewall({ sourceRanges: ['0.0.0.0/0'], allows: [{ protocol: 'tcp', ports: ['79-81'] }] });
    expect(await violations(noWorldOpenAdminPorts, range)).toEqual([expect.stringContaining('tcp 79-81')]);
  });

  it('allows the public app ports to the world, anything from a limited range, egress rules', async () => {
    const web = firewall({
      sourceRanges: ['0.0.0.0/0'],
      allows: [{ protocol: 'tcp', ports: ['80', '443'] }],
    });
    const limited = firewall({
      sourceRanges: ['10.0.0.0/8'],
      allows: [{ protocol: 'tcp', ports: ['3306'] }],
    });
    const tagged = firewall({ sourceTags: ['hs-dev'], allows: [{ protocol: 'tcp', ports: ['3306'] }] });
    const egress = firewall({
      direction: 'EGRESS',
      destinationRanges: ['0.0.0.0/0'],
      allows: [{ protocol: 'all' }],
    });
    for (const rule of [web, limited, tagged, egress])
      expect(await violations(noWorldOpenAdminPorts, rule)).toEqual([]);
  });

  it('knows which ranges are the world', () => {
    expect(['0.0.0.0/0', '0.0.0.0/7', '::/0'].map(isWorldRange)).toEqual([true, true, true]);
    expect(['10.0.0.0/8', '203.0.113.0/24', '2001:db8::/32'].map(isWorldRange)).toEqual([
      false,
      false,
      false,
    ]);
    expect(nonPublicPorts({ protocol: 'tcp', ports: ['80', '443', '8080', '440-450'] }, [80, 443])).toEqual([
      '8080',
      '440-450',
    ]);
  });
});

describe('secrets-not-in-plain-text', () => {
  it('rejects a password in an env list that is not a secret output', async () => {
    expect(
      await violations(secretsNotInPlainText, container(['MYSQL_ROOT_PASSWORD=Zq8-long-one'], [])),
    ).toEqual([
      "db: envs carries MYSQL_ROOT_PASSWORD but is not a secret output (additionalSecretOutputs: ['envs'])",
    ]);
  });

  it("rejects the seed's well-known passwords even when secret", async () => {
    expect(
      await violations(
        secretsNotInPlainText,
        container(['MYSQL_ROOT_PASSWORD=password', 'RABBITMQ_DEFAULT_PASS=guest']),
      ),
    ).toEqual([
      'db: MYSQL_ROOT_PASSWORD is empty or a well-known default',
      'db: RABBITMQ_DEFAULT_PASS is empty or a well-known default',
    ]);
  });

  it('leaves plain settings and *_FILE references alone', async () => {
    expect(
      await violations(
        secretsNotInPlainText,
        container(['MYSQL_DATABASE=app', 'MYSQL_PASSWORD_FILE=/run/s'], []),
      ),
    ).toEqual([]);
  });

  it('rejects a private key or password in instance metadata', async () => {
    const vm = instance({
      metadata: { 'user-data': '-----BEGIN OPENSSH PRIVATE KEY-----\nabc' },
      metadataStartupScript: 'mysql --password=x',
    });
    expect(await violations(secretsNotInPlainText, vm)).toEqual([
      expect.stringContaining('metadata user-data contains a private key'),
      expect.stringContaining('metadata metadataStartupScript contains a private key or a password'),
    ]);
  });
});

describe('approved-boot-images and pinned-container-images', () => {
  it('accepts Ubuntu LTS families from ubuntu-os-cloud only', async () => {
    const image = (name: string) => instance({ bootDisk: { initializeParams: { image: name } } });
    const ok = [
      'projects/ubuntu-os-cloud/global/images/family/ubuntu-2204-lts',
      'https://www.googleapis.com/compute/v1/projects/ubuntu-os-cloud/global/images/family/ubuntu-2404-lts-amd64',
      'ubuntu-os-cloud/ubuntu-2204-lts',
    ];
    for (const name of ok) expect(await violations(approvedBootImages, image(name))).toEqual([]);
    const bad = [
      'projects/my-project/global/images/family/ubuntu-2204-lts',
      'ubuntu-os-cloud/ubuntu-2310',
      'debian-cloud/debian-12',
    ];
    for (const name of bad) expect(await violations(approvedBootImages, image(name))).toHaveLength(1);
    expect(await violations(approvedBootImages, instance({ bootDisk: { source: 'disk-1' } }))).toEqual([
      'vm: boot disk has no image (an existing disk of unknown origin)',
    ]);
  });

  it('flags untagged and latest images', async () => {
    const image = (name: string) => resource('docker:index/remoteImage:RemoteImage', 'img', { name });
    expect(await violations(pinnedContainerImages, image('mysql'))).toHaveLength(1);
    expect(await violations(pinnedContainerImages, image('ghcr.io/x/app:latest'))).toHaveLength(1);
    expect(await violations(pinnedContainerImages, image('localhost:5000/app'))).toHaveLength(1);
    expect(await violations(pinnedContainerImages, image('localhost:5000/app:1.2'))).toEqual([]);
    expect(await violations(pinnedContainerImages, image('mysql@sha256:abc'))).toEqual([]);
  });
});

describe('database-volumes-on-data-disks', () => {
  const withoutDataDisk = (run: StackRun, hostName: string): MockedResource[] =>
    run.resources.map((r) =>
      r.type === 'gcp:compute/instance:Instance' && r.name === hostName
        ? { ...r, inputs: { ...r.inputs, attachedDisks: [] } }
        : r,
    );

  it('fails a stack whose database host keeps its volumes on the boot disk', async () => {
    const found = await stackViolations(databaseVolumesOnDataDisks, {
      resources: withoutDataDisk(runs.prod!, 'prod-app-db-slave-2'),
    });
    expect(found).toEqual([
      expect.stringContaining(
        'prod-app-db-slave-2-db-slave-2-data: its host prod-app-db-slave-2 has no data disk mounted at /var/lib/docker/volumes',
      ),
    ]);
  });

  it('fails a volume outside any host, where nothing shows where it lives', async () => {
    const volume = runs.dev!.resources.find((r) => r.type === 'docker:index/volume:Volume')!;
    const found = await stackViolations(databaseVolumesOnDataDisks, {
      resources: [{ ...volume, options: { ...volume.options, parent: '' } }],
    });
    expect(found).toEqual([expect.stringContaining('not part of a host component')]);
  });
});

describe('no-default-network', () => {
  it('rejects instances and rules on default, by name, by URL or by leaving the network out', async () => {
    const nic = (networkInterfaces: unknown[]) => instance({ networkInterfaces });
    expect(await violations(noDefaultNetwork, nic([{ network: 'default' }]))).toHaveLength(1);
    expect(
      await violations(noDefaultNetwork, nic([{ network: 'projects/p/global/networks/default' }])),
    ).toHaveLength(1);
    expect(await violations(noDefaultNetwork, nic([{ accessConfigs: [] }]))).toHaveLength(1);
    expect(await violations(noDefaultNetwork, firewall({ network: 'default' }))).toHaveLength(1);
    expect(
      await violations(noDefaultNetwork, nic([{ subnetwork: 'projects/p/regions/r/subnetworks/s' }])),
    ).toEqual([]);
  });

  it("finds every instance of dev and prod in the stack's own subnetwork", () => {
    for (const [stack, run] of Object.entries(runs)) {
      // The stack enables the Compute API itself, never turns it off, and builds its network after it.
      const api = run.resources.find((r) => r.type === 'gcp:projects/service:Service');
      expect(api?.inputs).toMatchObject({ service: 'compute.googleapis.com', disableOnDestroy: false });
      const network = run.resources.find((r) => r.type === 'gcp:compute/network:Network');
      expect(network?.inputs).toMatchObject({ name: `${stack}-net`, autoCreateSubnetworks: false });
      expect(network?.options.dependencies).toContain(api?.urn);
      const subnet = run.resources.find((r) => r.type === 'gcp:compute/subnetwork:Subnetwork');
      expect(subnet?.inputs).toMatchObject({ name: `${stack}-subnet`, ipCidrRange: '10.10.0.0/24' });
      for (const vm of run.resources.filter((r) => r.type === 'gcp:compute/instance:Instance')) {
        expect(vm.inputs.networkInterfaces).toEqual([
          expect.objectContaining({ subnetwork: `${subnet?.name}-id` }),
        ]);
      }
    }
  });
});

describe('images-by-digest', () => {
  const digest = `sha256:${'0123456789abcdef'.repeat(4)}`;
  const image = (stack: string, name: string) => ({
    ...resource('docker:index/remoteImage:RemoteImage', 'img', { name }),
    urn: `urn:pulumi:${stack}::highload-social::social:infra:Host$docker:index/remoteImage:RemoteImage::img`,
  });

  it('takes nothing but a digest in prod, and leaves other stacks to their tags', async () => {
    expect(await violations(imagesByDigest, image('prod', 'mysql:8.4.3'))).toEqual([
      'img: image mysql:8.4.3 is not pinned by digest (name@sha256:<64 hex>) in stack prod',
    ]);
    expect(await violations(imagesByDigest, image('prod', 'mysql:8.4.3@sha256:abc'))).toHaveLength(1);
    expect(await violations(imagesByDigest, image('prod', `mysql:8.4.3@${digest}`))).toEqual([]);
    expect(
      await violations(imagesByDigest, image('prod', `europe-west1-docker.pkg.dev/p/images/app@${digest}`)),
    ).toEqual([]);
    expect(await violations(imagesByDigest, image('dev', 'mysql:8.4'))).toEqual([]);
  });

  it('catches the prod stack with one image given by tag', async () => {
    const run = await runStack('prod', {
      'highload-social:images': { ...(await prodImages()), redis: 'redis:7.4.2' },
    });
    const found = (await allViolations(run)).filter((v) => v.includes('not pinned by digest'));
    expect(found).toEqual([expect.stringContaining('image redis:7.4.2 is not pinned by digest')]);
  });
});

async function prodImages(): Promise<Record<string, string>> {
  const { stackConfigFile } = await import('../testing/run-stack.ts');
  return stackConfigFile('prod')['highload-social:images'] as Record<string, string>;
}
