import { composeTopology } from '../haproxy/compose-config.ts';
import { alertingPorts, containerAlertmanagerConfig } from './alertmanager.ts';
import { renderPrometheusConfig, type ScrapeTargets } from './config.ts';
import { defaultAlertSettings, renderAlertRules } from './rules.ts';

/**
 * compose's targets by service name on the compose network (docker-compose.yml and
 * docker-compose-replication.yml): the apps' and the replicator's metrics ports, one mysqld-exporter
 * service per MySQL node, the Redis exporter. compose/prometheus/ holds the rendering of this, checked by
 * compose-config.test.ts; `npx vitest run toolkit/prometheus/compose-config.test.ts -u` rewrites it.
 */
export const composeScrapeTargets: ScrapeTargets = {
  prometheus: [{ address: 'localhost:9090', labels: {} }],
  app: ['app', 'app-2'].map((name) => ({ address: `${name}:9464`, labels: { instance_name: name } })),
  mysql: [composeTopology.mysql.master, ...composeTopology.mysql.slaves].map((node) => ({
    address: `mysqld-exporter-${node.name}:9104`,
    labels: { node: node.name },
  })),
  redis: [{ address: 'redis-exporter:9121', labels: {} }],
  replicator: [{ address: 'tarantool-replicator:9465', labels: {} }],
  // The ClickHouse load runs where the operator runs runbooks, not in compose: its textfile stays there.
  textfile: [],
  // compose shares one machine with whatever else runs there: its CPU and disks are not compose's to alert on.
  node: [],
};

const header = (what: string) =>
  `${what} for compose, rendered by toolkit/prometheus/compose-config.ts: change the renderer, not this file.`;

export function composePrometheusConfig(): string {
  return renderPrometheusConfig(
    composeScrapeTargets,
    {
      scrapeIntervalSeconds: 15,
      evaluationIntervalSeconds: 15,
      ruleFiles: ['alerts.yml'],
      alertmanagers: [`alertmanager:${alertingPorts.alertmanager}`],
    },
    header("Prometheus's scrape config"),
  );
}

/** compose's alertmanager.yml (compose/alertmanager/): the stacks upload the same rendering. */
export function composeAlertmanagerConfig(): string {
  return containerAlertmanagerConfig(header("Alertmanager's routes (toolkit/prometheus/alertmanager.ts)"));
}

/** compose's alert settings: its topology's lag limit and slaves, semi-sync on (as semisync.mjs leaves it). */
export function composeAlertRules(options: { annotations?: boolean } = {}): string {
  return renderAlertRules(
    {
      ...defaultAlertSettings,
      maxLagSeconds: composeTopology.mysql.maxLagSeconds ?? 5,
      slaves: composeTopology.mysql.slaves.length,
      semisync: true,
    },
    header('Alert rules (toolkit/prometheus/rules.ts)'),
    options,
  );
}
