import { beforeAll, describe, expect, it } from 'vitest';
import { googleFrontEndRanges } from './https.ts';
import { type MockedResource, resourcesOf, runStack, type StackRun } from './testing/run-stack.ts';

let dev: StackRun;
let prod: StackRun;
beforeAll(async () => {
  dev = await runStack('dev');
  prod = await runStack('prod');
});

const instances = (run: StackRun) => resourcesOf(run, 'gcp:compute/instance:Instance');
const byName = (list: MockedResource[], name: string) => list.find((r) => r.name === name);

describe('dev vs prod (Pulumi.dev.yaml, Pulumi.prod.yaml)', () => {
  it('sizes prod as the seed (n1-standard-8/2/4) and dev smaller', () => {
    expect(instances(prod).map((i) => [i.name, i.inputs.machineType])).toEqual([
      ['prod-app', 'n1-standard-8'],
      ['prod-app-db-slave-1', 'n1-standard-2'],
      ['prod-app-db-slave-2', 'n1-standard-2'],
      ['prod-monitoring', 'n1-standard-1'],
      ['prod-vitess', 'n1-standard-4'],
    ]);
    expect(instances(dev).map((i) => i.inputs.machineType)).toEqual([
      'n1-standard-2',
      'n1-standard-1',
      'n1-standard-1',
      'n1-standard-2',
    ]);
  });

  it('spreads prod slaves over two hosts, dev keeps both on one', () => {
    const slaves = (run: StackRun) => run.outputs.inventory.mysql.slaves.map((s) => s.host);
    expect(new Set(slaves(prod)).size).toBe(2);
    expect(slaves(prod)).toEqual([
      prod.outputs.hosts['app-db-slave-1'],
      prod.outputs.hosts['app-db-slave-2'],
    ]);
    expect(new Set(slaves(dev)).size).toBe(1);
  });

  it('opens the prod app to everyone through its HTTPS load balancer but keeps dev behind the admin range', () => {
    const appRule = (run: StackRun, stack: string) =>
      byName(resourcesOf(run, 'gcp:compute/firewall:Firewall'), `${stack}-app-http`)?.inputs;
    // stacks/exposure.test.ts follows the world's way in: 443 on the load balancer, then port 80 from it.
    expect(appRule(prod, 'prod')).toMatchObject({
      sourceRanges: googleFrontEndRanges,
      allows: [{ ports: ['80'] }],
    });
    expect(appRule(dev, 'dev')).toMatchObject({ sourceRanges: ['203.0.113.0/24'] });
    expect(
      byName(resourcesOf(prod, 'gcp:compute/firewall:Firewall'), 'prod-ssh')?.inputs.sourceRanges,
    ).toEqual(['198.51.100.7/32']);
  });

  it('protects prod data (instances, volumes) from destroy and leaves dev disposable', () => {
    const prodApp = byName(instances(prod), 'prod-app');
    expect(prodApp?.inputs.deletionProtection).toBe(true);
    expect(prodApp?.options.protect).toBe(true);
    expect(byName(instances(prod), 'prod-vitess')?.inputs.deletionProtection).toBe(false);
    const prodVolumes = resourcesOf(prod, 'docker:index/volume:Volume');
    expect(prodVolumes.length).toBeGreaterThan(0);
    expect(prodVolumes.every((v) => v.options.protect)).toBe(true);
    expect(byName(instances(dev), 'dev-app')?.inputs.deletionProtection).toBe(false);
    expect(resourcesOf(dev, 'docker:index/volume:Volume').some((v) => v.options.protect)).toBe(false);
  });

  it('pins prod images and boots prod from bigger disks', () => {
    const images = (run: StackRun) =>
      resourcesOf(run, 'docker:index/remoteImage:RemoteImage').map((i) => i.inputs.name);
    // Prod takes digests only (policy images-by-digest), the app's from the stack's own registry.
    // The seed's eight and the monitoring's six (Prometheus, Grafana, Alertmanager, three exporters;
    // the alert sink runs the app's image).
    expect(new Set(images(prod)).size).toBe(14);
    for (const image of images(prod)) expect(image).toMatch(/@sha256:[0-9a-f]{64}$/);
    expect(images(prod)).toContainEqual(
      expect.stringMatching(/^europe-west1-docker\.pkg\.dev\/highload-social-prod\/images\/app@sha256:/),
    );
    expect(images(dev)).toContain('mysql:8.4');
    const disk = (run: StackRun, name: string) =>
      (byName(instances(run), name)?.inputs.bootDisk as { initializeParams?: { size?: number } } | undefined)
        ?.initializeParams?.size;
    expect(disk(prod, 'prod-app')).toBe(200);
    expect(disk(dev, 'dev-app')).toBe(50);
  });

  it('names every cloud resource after its stack, so both fit in one project', () => {
    // A bucket's name is global across all projects: it leads with the project, then the stack.
    const isBucket = (r: StackRun['resources'][number]) => r.type === 'gcp:storage/bucket:Bucket';
    const cloud = (run: StackRun) =>
      run.resources
        .filter((r) => r.type.startsWith('gcp:') && r.inputs.name !== undefined && !isBucket(r))
        .map((r) => String(r.inputs.name));
    const buckets = (run: StackRun) => run.resources.filter(isBucket).map((r) => String(r.inputs.name));
    expect(cloud(dev).every((n) => n.startsWith('dev-'))).toBe(true);
    expect(cloud(prod).every((n) => n.startsWith('prod-'))).toBe(true);
    expect(buckets(dev).length).toBeGreaterThan(0);
    expect(buckets(dev).every((n) => n.endsWith('-hs-dev-backups'))).toBe(true);
    expect(buckets(prod).every((n) => n.endsWith('-hs-prod-backups'))).toBe(true);
  });

  it('leaves Vitess out of the inventory when a stack turns it off', async () => {
    const noVitess = await runStack('dev', { 'highload-social:vitess': false });
    expect(noVitess.outputs.inventory.vtgate).toBeUndefined();
    expect(noVitess.outputs.hosts.vitess).toBeUndefined();
    expect(resourcesOf(noVitess, 'gcp:compute/firewall:Firewall').map((r) => r.name)).not.toContain(
      'dev-vitess',
    );
  });
});
