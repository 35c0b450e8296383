import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { makeTempDir } from '../../lib/temp-dirs.ts';
import { localInventory } from '../local/inventory.ts';
import { localPrometheusFiles } from '../local/prometheus-component.ts';
import { defaultState } from '../local/state.ts';
import { amtool } from './amtool.ts';
import {
  composeAlertmanagerConfig,
  composeAlertRules,
  composePrometheusConfig,
  composeScrapeTargets,
} from './compose-config.ts';
import { mysqldExporterCollectors } from './exporters.ts';
import { promtool } from './promtool.ts';

const scratch = makeTempDir('promtool-config-');
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

// The committed files are this renderer's output, not copies that could drift: a change to the
// renderer fails here until `npx vitest run toolkit/prometheus/compose-config.test.ts -u` rewrites them.
describe('compose/prometheus is the rendering of compose-config.ts', () => {
  it('prometheus.yml', async () => {
    await expect(composePrometheusConfig()).toMatchFileSnapshot('../../compose/prometheus/prometheus.yml');
  });

  it('alerts.yml', async () => {
    await expect(composeAlertRules()).toMatchFileSnapshot('../../compose/prometheus/alerts.yml');
  });

  it('alertmanager.yml', async () => {
    await expect(composeAlertmanagerConfig()).toMatchFileSnapshot(
      '../../compose/alertmanager/alertmanager.yml',
    );
  });
});

describe("compose's Alertmanager", () => {
  it('passes amtool check-config: one route to the webhook sink, the no-master inhibition', async () => {
    const dir = join(scratch, 'alertmanager');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'alertmanager.yml'), composeAlertmanagerConfig());
    const checked = await amtool(['check-config', 'alertmanager.yml'], dir);
    expect(checked.output).toMatch(/SUCCESS/);
    expect(checked.output).toMatch(/- 1 inhibit rules\n - 1 receivers/);
    expect(checked.ok).toBe(true);
  });

  it('is where Prometheus sends its alerts', () => {
    expect(parse(composePrometheusConfig()).alerting).toEqual({
      alertmanagers: [{ static_configs: [{ targets: ['alertmanager:9093'] }] }],
    });
  });

  it('fails amtool on a broken route, naming it', async () => {
    const dir = join(scratch, 'alertmanager-broken');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'alertmanager.yml'),
      composeAlertmanagerConfig().replace('receiver: operator-webhook', 'receiver: nobody'),
    );
    const checked = await amtool(['check-config', 'alertmanager.yml'], dir);
    expect(checked.ok).toBe(false);
    expect(checked.output).toMatch(/nobody/);
  });
});

describe('the compose files run what the rendered config scrapes', () => {
  const services = (file: string) =>
    (
      parse(readFileSync(join(import.meta.dirname, '../../compose', file), 'utf8')) as {
        services: Record<
          string,
          {
            command?: string[];
            environment?: Record<string, string>;
            secrets?: Array<{ source: string; target: string }>;
          }
        >;
      }
    ).services;
  const all = { ...services('docker-compose.yml'), ...services('docker-compose-replication.yml') };

  it('a service for every target host, and the exporters with the local collectors', () => {
    const hosts = Object.values(composeScrapeTargets)
      .flat()
      .map((t) => t.address.split(':')[0]!)
      .filter((h) => h !== 'localhost');
    for (const host of hosts) expect(Object.keys(all), host).toContain(host);
    for (const node of composeScrapeTargets.mysql) {
      const exporter = all[`mysqld-exporter-${node.labels.node}`]!;
      // Address and login in an option file, a compose secret rendered for that node (as the stacks do).
      expect(exporter.command).toEqual([
        '--config.my-cnf=/run/secrets/mysqld-exporter.cnf',
        ...mysqldExporterCollectors,
      ]);
      expect(exporter.secrets).toEqual([
        { source: `mysqld-exporter-${node.labels.node}.cnf`, target: 'mysqld-exporter.cnf' },
      ]);
      expect(exporter.environment).toBeUndefined();
    }
    expect(all.app?.environment).toMatchObject({ METRICS_HOST: '0.0.0.0', METRICS_PORT: '9464' });
  });
});

/** Writes a config and its rules into a directory of their own and runs promtool on them. */
async function check(name: string, files: { config: string; rules: string }) {
  const dir = join(scratch, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'prometheus.yml'), files.config);
  writeFileSync(join(dir, 'alerts.yml'), files.rules);
  return {
    config: await promtool(['check', 'config', 'prometheus.yml'], dir),
    rules: await promtool(['check', 'rules', 'alerts.yml'], dir),
  };
}

describe('promtool check config and check rules', () => {
  it("pass on compose's files and on the local environment's, for three nodes and for five", async () => {
    const compose = await check('compose', { config: composePrometheusConfig(), rules: composeAlertRules() });
    expect(compose.config).toMatchObject({ ok: true });
    expect(compose.rules).toMatchObject({ ok: true });
    expect(compose.rules.output).toMatch(/SUCCESS: 15 rules found/);
    const state = defaultState();
    const local = await check('local', localPrometheusFiles(state, localInventory(state)));
    expect(local.config).toMatchObject({ ok: true });
    expect(local.rules).toMatchObject({ ok: true });
    state.mysql.slaves.push('db4', 'db5');
    state.mysql.nodes.push(
      { name: 'db4', port: 10103, serverId: 4 },
      { name: 'db5', port: 10104, serverId: 5 },
    );
    const five = localPrometheusFiles(state, localInventory(state));
    expect(five.config.match(/node: db\d/g)).toHaveLength(5);
    expect(five.rules).toMatch(/semi_sync_source_clients\) < 4 and on/);
    expect((await check('five', five)).config).toMatchObject({ ok: true });
  });

  it('fail on a broken expression, naming it', async () => {
    const broken = await check('broken', {
      config: composePrometheusConfig(),
      rules: composeAlertRules().replace('mysql_up == 0', 'mysql_up == == 0'),
    });
    expect(broken.rules.ok).toBe(false);
    expect(broken.rules.output).toMatch(/MysqlDown|parse error/);
  });
});
