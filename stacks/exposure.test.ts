// What the world reaches: HTTPS in prod, and no database, Redis or admin port from outside the stack's
// own hosts and its admin range, in either stack.
import { beforeAll, describe, expect, it } from 'vitest';
import { googleFrontEndRanges } from './https.ts';
import {
  type MockedResource,
  resourcesOf,
  runStack,
  type StackRun,
  stackConfigFile,
} from './testing/run-stack.ts';

const runs: Record<string, StackRun> = {};
beforeAll(async () => {
  runs.dev = await runStack('dev');
  runs.prod = await runStack('prod');
});

const setting = (stack: string, key: string) => stackConfigFile(stack)[`highload-social:${key}`] as string[];
const firewall = (run: StackRun) => resourcesOf(run, 'gcp:compute/firewall:Firewall');
const ports = (rule: MockedResource) =>
  (rule.inputs.allows as Array<{ ports: string[] }>).flatMap((a) => a.ports);

describe.each(['dev', 'prod'])('%s: exposure', (stack) => {
  it("opens database, queue and admin ports to the admin range and the stack's own hosts only", () => {
    const admin = setting(stack, 'adminSourceRanges');
    for (const rule of firewall(runs[stack]!)) {
      const name = rule.name.slice(stack.length + 1);
      if (name === 'ssh') {
        expect([ports(rule), rule.inputs.sourceRanges]).toEqual([['22'], setting(stack, 'sshSourceRanges')]);
      } else if (name === 'app-http') {
        expect(ports(rule)).toEqual(['80']);
      } else if (name === 'metrics') {
        // The exporters and metrics listeners answer Prometheus's host and the admin range only.
        expect(rule.inputs.sourceRanges).toEqual(admin);
        expect(rule.inputs.sourceTags).toEqual([`hs-${stack}-monitoring`]);
      } else if (name === 'monitoring') {
        // Prometheus, Alertmanager and Grafana: the admin range alone, on the monitoring host alone.
        expect([ports(rule), rule.inputs.sourceRanges, rule.inputs.sourceTags]).toEqual([
          ['9090', '9093', '3000'],
          admin,
          undefined,
        ]);
        expect(rule.inputs.targetTags).toEqual([`hs-${stack}-monitoring`]);
      } else {
        expect(rule.inputs.sourceRanges, rule.name).toEqual(admin);
        expect(rule.inputs.sourceTags, rule.name).toEqual([`hs-${stack}`]);
      }
    }
  });

  it('publishes every exporter and metrics port on an internal address, Prometheus, Alertmanager and Grafana on the monitoring host', () => {
    const run = runs[stack]!;
    const internal = new Set(
      resourcesOf(run, 'gcp:compute/address:Address')
        .filter((a) => a.inputs.addressType === 'INTERNAL')
        .map((a) => a.state?.address),
    );
    const metricsRule = firewall(run).find((r) => r.name === `${stack}-metrics`)!;
    const metricsPorts = ports(metricsRule);
    for (const c of resourcesOf(run, 'docker:index/container:Container')) {
      for (const p of (c.inputs.ports as Array<{ external: number; ip?: string }> | undefined) ?? []) {
        const covered = metricsPorts.some((range) => {
          const [first, last = first] = range.split('-').map(Number);
          return p.external >= first! && p.external <= last!;
        });
        // A port in the metrics rule is published on the host's internal address, never on all of them.
        if (covered) expect(internal.has(p.ip), `${c.name}:${p.external}`).toBe(true);
        if ([9090, 9093, 3000].includes(p.external)) expect(c.name, `${p.external}`).toMatch(/-monitoring-/);
      }
    }
    expect(metricsPorts).toEqual(['9100', '9121', '9464', '9465', '9466', '9200-9202']);
  });

  it('lets nothing outside the host reach Redis: no rule names 6379, the port binds to loopback', () => {
    expect(firewall(runs[stack]!).flatMap(ports)).not.toContain('6379');
    const redis = resourcesOf(runs[stack]!, 'docker:index/container:Container').find(
      (c) => c.inputs.name === 'redis',
    );
    expect(redis?.inputs.ports).toEqual([{ internal: 6379, external: 6379, ip: '127.0.0.1' }]);
  });
});

describe('HTTPS', () => {
  const byType = (run: StackRun, type: string) => resourcesOf(run, `gcp:compute/${type}`);

  it('serves prod over HTTPS with a managed certificate for its domain, HTTP only redirecting', () => {
    const prod = runs.prod!;
    const [cert] = byType(prod, 'managedSslCertificate:ManagedSslCertificate');
    expect(cert?.inputs.managed).toEqual({ domains: ['social.example.com'] });
    const rules = byType(prod, 'globalForwardingRule:GlobalForwardingRule');
    expect(rules.map((r) => [r.name, r.inputs.portRange])).toEqual([
      ['prod-http-redirect', '80'],
      ['prod-https', '443'],
    ]);
    const [proxy] = byType(prod, 'targetHttpsProxy:TargetHttpsProxy');
    expect(proxy?.inputs.sslCertificates).toEqual([`${cert?.name}-id`]);
    expect(rules.find((r) => r.name === 'prod-https')?.inputs.target).toBe(`${proxy?.name}-id`);
    const redirect = byType(prod, 'uRLMap:URLMap').find((m) => m.name === 'prod-http-redirect');
    expect(redirect?.inputs.defaultUrlRedirect).toEqual({ httpsRedirect: true, stripQuery: false });
    expect(byType(prod, 'healthCheck:HealthCheck')[0]?.inputs.httpHealthCheck).toEqual({
      port: 80,
      requestPath: '/health',
    });
    expect(prod.outputs.inventory.app?.url).toBe('https://social.example.com');
  });

  it('takes the prod app port from the load balancer only, never from the world', () => {
    const appRule = firewall(runs.prod!).find((r) => r.name === 'prod-app-http');
    expect(appRule?.inputs.sourceRanges).toEqual(googleFrontEndRanges);
    for (const rule of firewall(runs.prod!)) expect(rule.inputs.sourceRanges).not.toContain('0.0.0.0/0');
  });

  it('has no load balancer in dev, whose app stays behind the admin range', () => {
    expect(byType(runs.dev!, 'globalForwardingRule:GlobalForwardingRule')).toEqual([]);
    expect(firewall(runs.dev!).find((r) => r.name === 'dev-app-http')?.inputs.sourceRanges).toEqual(
      setting('dev', 'appSourceRanges'),
    );
  });
});
