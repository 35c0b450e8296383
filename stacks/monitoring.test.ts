// The stacks' Prometheus and Grafana: their files are the shared renderers' output for the stack's
// topology (and pass promtool), every target is a listener the stack publishes on an internal address, and
// no secret reaches an environment or a plain input.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { makeTempDir } from '../lib/temp-dirs.ts';
import { loadMetricsFile } from '../toolkit/clickhouse/load-metrics.ts';
import { containerSinkHealthcheck } from '../toolkit/prometheus/alertmanager.ts';
import { amtool } from '../toolkit/prometheus/amtool.ts';
import { composeAlertmanagerConfig } from '../toolkit/prometheus/compose-config.ts';
import { dashboards } from '../toolkit/prometheus/dashboards.ts';
import { mysqldExporterCollectors } from '../toolkit/prometheus/exporters.ts';
import { promtool } from '../toolkit/prometheus/promtool.ts';
import { readSettings } from './config.ts';
import { loadTextfileDir } from './monitoring.ts';
import {
  renderStackAlertmanagerConfig,
  renderStackAlertRules,
  renderStackPrometheusConfig,
} from './monitoring-config.ts';
import { composeDir } from './shared-files.ts';
import {
  isSecretValue,
  type MockedResource,
  resourcesOf,
  runStack,
  type StackRun,
  stackConfigFile,
  testSecrets,
  unwrapSecrets,
  withoutSecrets,
} from './testing/run-stack.ts';
import { planTopology } from './topology.ts';

const runs: Record<string, StackRun> = {};
beforeAll(async () => {
  runs.dev = await runStack('dev');
  runs.prod = await runStack('prod');
});
const scratch = makeTempDir('stack-prometheus-');
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const containers = (run: StackRun) => resourcesOf(run, 'docker:index/container:Container');
function container(run: StackRun, name: string): MockedResource {
  const found = containers(run).find((c) => c.name === name);
  if (!found) throw new Error(`no container ${name}`);
  return found;
}
function uploads(resource: MockedResource): Array<{ file: string; content: string; permissions?: string }> {
  return unwrapSecrets(resource.inputs.uploads) as Array<{ file: string; content: string }>;
}
function upload(resource: MockedResource, file: string): string {
  const found = uploads(resource).find((u) => u.file === file);
  if (!found) throw new Error(`${resource.name} uploads no ${file}`);
  return found.content;
}
const envOf = (resource: MockedResource) => unwrapSecrets(resource.inputs.envs) as string[];

/** Host key → internal address, as the mocked GCP handed them out. */
function internalAddresses(run: StackRun, stack: string): Record<string, string> {
  return Object.fromEntries(
    resourcesOf(run, 'gcp:compute/address:Address')
      .filter((a) => a.inputs.addressType === 'INTERNAL')
      .map((a) => [a.name.slice(stack.length + 1, -'-internal'.length), a.state?.address as string]),
  );
}

function settingsOf(stack: string) {
  const config = stackConfigFile(stack);
  return readSettings({
    project: (key) => config[`highload-social:${key}`],
    gcp: (key) => config[`gcp:${key}`] as string | undefined,
  });
}

describe.each(['dev', 'prod'])('%s: Prometheus', (stack) => {
  const prometheus = () => container(runs[stack]!, `${stack}-monitoring-prometheus`);
  const config = () => upload(prometheus(), '/etc/prometheus/prometheus.yml');
  const rules = () => upload(prometheus(), '/etc/prometheus/alerts.yml');

  it("runs on the monitoring host with the renderer's config for this stack's topology", () => {
    const topology = planTopology(settingsOf(stack));
    const hosts = internalAddresses(runs[stack]!, stack);
    expect(Object.keys(hosts).sort()).toEqual(topology.hosts.map((h) => h.key).sort());
    const monitored = {
      stack,
      appHost: hosts.app!,
      hosts,
      slaves: topology.slaves.map((s) => ({ name: s.name, port: s.port, host: hosts[s.hostKey]! })),
    };
    expect(config()).toBe(renderStackPrometheusConfig(monitored));
    // compose's intervals and timeout: the same renderer (toolkit/prometheus/config.ts), the same settings.
    const composeGlobal = parse(readFileSync(join(composeDir, 'prometheus/prometheus.yml'), 'utf8')).global;
    const rendered = parse(config());
    expect(rendered.global).toEqual(composeGlobal);
    // Every MySQL node, both app instances, every host's node_exporter; internal addresses only.
    const jobs = Object.fromEntries(
      (
        rendered.scrape_configs as Array<{ job_name: string; static_configs: Array<{ targets: string[] }> }>
      ).map((j) => [j.job_name, j.static_configs.flatMap((c) => c.targets)]),
    );
    expect(jobs.mysql).toHaveLength(1 + topology.slaves.length);
    expect(jobs.app).toHaveLength(2);
    expect(jobs.node).toHaveLength(topology.hosts.length);
    for (const address of Object.values(jobs).flat())
      expect(address).toMatch(/^(localhost|10\.10\.0\.\d+):\d+$/);
  });

  it('has the alert rules compose has (the same slave count and lag limit), only the header differs', () => {
    const body = (text: string) => text.replace(/^(#.*\n)+/, '');
    expect(rules()).toBe(renderStackAlertRules(stack, 2));
    expect(body(rules())).toBe(body(readFileSync(join(composeDir, 'prometheus/alerts.yml'), 'utf8')));
  });

  it('passes promtool check config and check rules', async () => {
    const dir = join(scratch, stack);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'prometheus.yml'), config());
    writeFileSync(join(dir, 'alerts.yml'), rules());
    const checked = await promtool(['check', 'config', 'prometheus.yml'], dir);
    expect(checked.output).toMatch(/SUCCESS: 1 rule files found/);
    expect(checked.ok).toBe(true);
    const ruleCheck = await promtool(['check', 'rules', 'alerts.yml'], dir);
    expect(ruleCheck).toMatchObject({ ok: true });
    expect(ruleCheck.output).toMatch(/SUCCESS: 15 rules found/);
  });

  it('scrapes only what the stack publishes: each target is a listener on that internal address and port', () => {
    const run = runs[stack]!;
    const published = new Set<string>();
    for (const c of containers(run)) {
      for (const p of (c.inputs.ports as Array<{ external: number; ip?: string }> | undefined) ?? [])
        if (p.ip) published.add(`${p.ip}:${p.external}`);
      // node_exporter shares the host's network: its listen address is in its arguments.
      for (const arg of (c.inputs.command as string[] | undefined) ?? [])
        if (arg.startsWith('--web.listen-address=')) published.add(arg.split('=')[1]!);
    }
    const targets = (
      parse(config()).scrape_configs as Array<{ static_configs: Array<{ targets: string[] }> }>
    ).flatMap((j) => j.static_configs.flatMap((c) => c.targets));
    for (const target of targets.filter((t) => !t.startsWith('localhost:')))
      expect([...published], target).toContain(target);
  });

  it('keeps its samples on the data disk for metricsRetentionDays (30 by default)', () => {
    expect(prometheus().inputs.command).toContain('--storage.tsdb.retention.time=30d');
    expect(prometheus().inputs.volumes).toEqual([
      { volumeName: 'prometheus-data', containerPath: '/prometheus' },
    ]);
    const disks = resourcesOf(runs[stack]!, 'gcp:compute/disk:Disk').map((d) => d.name);
    expect(disks).toContain(`${stack}-monitoring-data`);
  });
});

describe.each(['dev', 'prod'])('%s: Alertmanager and the alert sink', (stack) => {
  const alertmanager = () => container(runs[stack]!, `${stack}-monitoring-alertmanager`);
  const config = () => upload(alertmanager(), '/etc/alertmanager/alertmanager.yml');

  it("runs beside Prometheus with the renderer's routes, compose's line for line, and Prometheus sends to it", () => {
    expect(config()).toBe(renderStackAlertmanagerConfig(stack));
    const body = (text: string) => text.replace(/^(#.*\n)+/, '');
    expect(body(config())).toBe(body(composeAlertmanagerConfig()));
    expect(body(config())).toBe(
      body(readFileSync(join(composeDir, 'alertmanager/alertmanager.yml'), 'utf8')),
    );
    const prometheus = container(runs[stack]!, `${stack}-monitoring-prometheus`);
    expect(parse(upload(prometheus, '/etc/prometheus/prometheus.yml')).alerting).toEqual({
      alertmanagers: [{ static_configs: [{ targets: ['alertmanager:9093'] }] }],
    });
    expect(alertmanager().options.parent).toBe(prometheus.options.parent);
    // The image resource pulled on the host: its id names compose's tag (prod: pinned by digest too).
    expect(alertmanager().inputs.image).toMatch(/-monitoring-image-prom-alertmanager-v0-25-0/);
    expect(alertmanager().inputs.command).toEqual([
      '--config.file=/etc/alertmanager/alertmanager.yml',
      '--storage.path=/alertmanager',
      '--cluster.listen-address=',
    ]);
    expect(alertmanager().inputs.ports).toEqual([{ internal: 9093, external: 9093 }]);
  });

  it('passes amtool check-config', async () => {
    const dir = join(scratch, `${stack}-alertmanager`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'alertmanager.yml'), config());
    const checked = await amtool(['check-config', 'alertmanager.yml'], dir);
    expect(checked.output).toMatch(/SUCCESS/);
    expect(checked.ok).toBe(true);
  });

  it('notifies the sink from the app image, which publishes no port and keeps its file on the data disk', () => {
    const sink = container(runs[stack]!, `${stack}-monitoring-alert-sink`);
    const app = container(runs[stack]!, `${stack}-app-app`);
    expect(sink.inputs.image).toBe((app.inputs.image as string).replace('-app-image-', '-monitoring-image-'));
    expect(sink.inputs.command).toEqual([
      'node',
      'toolkit/alerts/sink/main.js',
      '--listen',
      '0.0.0.0:9095',
      '--file',
      '/var/lib/alert-sink/alerts.jsonl',
    ]);
    expect(parse(config()).receivers[0].webhook_configs[0].url).toBe('http://alert-sink:9095/alerts');
    expect(sink.inputs.ports ?? []).toEqual([]);
    expect(sink.inputs.healthcheck).toMatchObject({ tests: containerSinkHealthcheck });
    expect(sink.inputs.volumes).toEqual([
      { volumeName: 'alert-sink-data', containerPath: '/var/lib/alert-sink' },
    ]);
  });
});

describe.each(['dev', 'prod'])('%s: Grafana and the exporters', (stack) => {
  it("provisions Grafana with compose's data source and dashboards, byte for byte", () => {
    const grafana = container(runs[stack]!, `${stack}-monitoring-grafana`);
    const files = [
      'grafana/provisioning/datasources/prometheus.yml',
      'grafana/provisioning/dashboards/dashboards.yml',
    ];
    for (const file of files)
      expect(upload(grafana, `/etc/${file}`)).toBe(readFileSync(join(composeDir, file), 'utf8'));
    // dashboards.yml points Grafana where the dashboards are uploaded.
    const provider = parse(readFileSync(join(composeDir, files[1]!), 'utf8')).providers[0];
    expect(dashboards.length).toBe(3);
    for (const { uid } of dashboards)
      expect(upload(grafana, `${provider.options.path}/${uid}.json`)).toBe(
        readFileSync(join(composeDir, `grafana/dashboards/${uid}.json`), 'utf8'),
      );
  });

  it('gives Grafana its admin password as a file only it reads, never in its environment', () => {
    const grafana = container(runs[stack]!, `${stack}-monitoring-grafana`);
    expect(envOf(grafana)).toContain('GF_SECURITY_ADMIN_PASSWORD__FILE=/run/secrets/grafana-admin-password');
    expect(JSON.stringify(envOf(grafana))).not.toContain(testSecrets.grafanaAdminPassword);
    expect(isSecretValue(grafana.inputs.uploads)).toBe(true);
    expect(uploads(grafana).find((u) => u.file === '/run/secrets/grafana-admin-password')).toMatchObject({
      content: testSecrets.grafanaAdminPassword,
      owner: '472',
      permissions: '0400',
    });
  });

  it("runs a mysqld-exporter beside each MySQL node, as the exporter account, with compose's collectors", () => {
    const exporters = containers(runs[stack]!).filter((c) =>
      (c.inputs.name as string).startsWith('mysqld-exporter-'),
    );
    expect(exporters.map((c) => c.inputs.name).sort()).toEqual([
      'mysqld-exporter-db',
      'mysqld-exporter-db-slave-1',
      'mysqld-exporter-db-slave-2',
    ]);
    for (const exporter of exporters) {
      const node = (exporter.inputs.name as string).slice('mysqld-exporter-'.length);
      expect(exporter.inputs.command).toEqual([
        '--config.my-cnf=/run/secrets/mysqld-exporter.cnf',
        ...mysqldExporterCollectors,
      ]);
      expect(envOf(exporter).join('\n')).not.toMatch(/DATA_SOURCE_NAME|PASSWORD/);
      expect(upload(exporter, '/run/secrets/mysqld-exporter.cnf')).toBe(
        `[client]\nuser="exporter"\npassword="${testSecrets.mysqlExporterPassword}"\nhost=${node}\nport=3306\n`,
      );
      expect(exporter.options.additionalSecretOutputs).toContain('uploads');
      // Beside its node: the same host, so it reaches the node by its container name.
      const nodeContainer = containers(runs[stack]!).find((c) => c.inputs.name === node)!;
      expect(exporter.options.parent).toBe(nodeContainer.options.parent);
    }
  });

  it('puts node_exporter on every host, seeing the host rather than a container', () => {
    const hosts = resourcesOf(runs[stack]!, 'social:infra:Host');
    const nodeExporters = containers(runs[stack]!).filter((c) => c.inputs.name === 'node-exporter');
    expect(nodeExporters.map((c) => c.options.parent).sort()).toEqual(hosts.map((h) => h.urn).sort());
    for (const c of nodeExporters)
      expect(c.inputs).toMatchObject({
        networkMode: 'host',
        pidMode: 'host',
        mounts: [{ type: 'bind', source: '/', target: '/host', readOnly: true }],
      });
  });

  it("reads the ClickHouse load's textfile on the app host, where ClickHouse runs, and on no other", () => {
    const textfileArgs = containers(runs[stack]!)
      .filter((c) => c.inputs.name === 'node-exporter')
      .map((c) => ({
        container: c.name,
        args: (c.inputs.command as string[]).filter((a) => a.startsWith('--collector.textfile')),
      }));
    expect(textfileArgs.filter((c) => c.args.length)).toEqual([
      {
        container: `${stack}-app-node-exporter`,
        args: ['--collector.textfile.directory=/host/var/lib/node-exporter/textfile'],
      },
    ]);
    // Through the host's / mounted at /host: the folder on the host is the one the file is written to.
    const app = containers(runs[stack]!).find((c) => c.name === `${stack}-app-node-exporter`)!;
    expect(app.inputs).toMatchObject({
      mounts: [{ type: 'bind', source: '/', target: '/host', readOnly: true }],
    });
    // The file the load writes under a state dir of /var/lib/node-exporter is in that folder.
    expect(loadMetricsFile('/var/lib/node-exporter')).toBe(`${loadTextfileDir}/clickhouse_load.prom`);
  });

  it('keeps every secret out of plain inputs and environments', () => {
    const plain = JSON.stringify(
      containers(runs[stack]!)
        .filter((c) => /exporter|prometheus|grafana/.test(c.inputs.name as string))
        .map((c) => withoutSecrets(c.inputs)),
    );
    for (const secret of Object.values(testSecrets)) expect(plain).not.toContain(secret);
  });
});
