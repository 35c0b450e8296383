import { composeTopology } from '../toolkit/haproxy/compose-config.ts';
import { alertingPorts, containerAlertmanagerConfig } from '../toolkit/prometheus/alertmanager.ts';
import { renderPrometheusConfig, type ScrapeTargets, type Target } from '../toolkit/prometheus/config.ts';
import { defaultAlertSettings, renderAlertRules } from '../toolkit/prometheus/rules.ts';
import { ports, type SlavePlan } from './topology.ts';

/**
 * Where each metrics listener is published, on its host's internal address. Each process keeps the port
 * compose and the local environment give it inside its container; only the host side differs where two
 * of a kind share a host (the app's two instances, the slaves' exporters).
 */
export const metricsPorts = {
  nodeExporter: 9100,
  redisExporter: 9121,
  /** app → 9464, app-2 → 9466: the replicator keeps compose's 9465 between them. */
  app: { app: 9464, 'app-2': 9466 },
  replicator: 9465,
  /** The mysqld-exporter of node n (master 0, db-slave-N: N), mirroring MySQL's own 10100 + n. */
  mysqldExporter: (mysqlPort: number) => 9200 + (mysqlPort - ports.mysqlMaster),
  /** Inside the containers, as in compose. */
  appContainer: 9464,
  mysqldExporterContainer: 9104,
  /** On the monitoring host. */
  prometheus: 9090,
  alertmanager: alertingPorts.alertmanager,
  grafana: 3000,
} as const;

/** The stack's machines and MySQL nodes as Prometheus reaches them: internal addresses only. */
export interface MonitoredStack {
  stack: string;
  /** The app host's internal address: the app instances, the replicator, Redis's exporter, the master's. */
  appHost: string;
  /** Every host by key (app, app-db-slave-1, vitess, monitoring) → its internal address. */
  hosts: Record<string, string>;
  /** The slaves, with their hosts' internal addresses. */
  slaves: Array<Pick<SlavePlan, 'name' | 'port'> & { host: string }>;
}

const target = (address: string, labels: Record<string, string> = {}): Target => ({ address, labels });

/** What the stack's Prometheus scrapes, by the jobs compose and the local environment use. */
export function stackScrapeTargets(stack: MonitoredStack): ScrapeTargets {
  const at = (host: string, port: number) => `${host}:${port}`;
  return {
    prometheus: [target(`localhost:${metricsPorts.prometheus}`)],
    app: Object.entries(metricsPorts.app).map(([name, port]) =>
      target(at(stack.appHost, port), { instance_name: name }),
    ),
    mysql: [
      target(at(stack.appHost, metricsPorts.mysqldExporter(ports.mysqlMaster)), {
        node: composeTopology.mysql.master.name,
      }),
      ...stack.slaves.map((s) => target(at(s.host, metricsPorts.mysqldExporter(s.port)), { node: s.name })),
    ],
    redis: [target(at(stack.appHost, metricsPorts.redisExporter))],
    replicator: [target(at(stack.appHost, metricsPorts.replicator))],
    // The ClickHouse load runs where the operator runs runbooks, not on the stack's hosts.
    textfile: [],
    node: Object.entries(stack.hosts)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, host]) => target(at(host, metricsPorts.nodeExporter), { host: key })),
  };
}

const header = (stack: string, what: string) =>
  `${what} for stack ${stack}, rendered by stacks/monitoring-config.ts with the renderer of compose's\n` +
  "and the local environment's files (toolkit/prometheus/): change the renderer, not this file.";

/** Beside prometheus.yml in /etc/prometheus, as in compose. */
export const alertRulesFile = 'alerts.yml';

/** prometheus.yml of a stack: compose's intervals, the stack's targets. */
export function renderStackPrometheusConfig(stack: MonitoredStack): string {
  return renderPrometheusConfig(
    stackScrapeTargets(stack),
    {
      scrapeIntervalSeconds: 15,
      evaluationIntervalSeconds: 15,
      ruleFiles: [alertRulesFile],
      // The alertmanager container beside Prometheus on the monitoring host's network, as in compose.
      alertmanagers: [`alertmanager:${alertingPorts.alertmanager}`],
    },
    header(stack.stack, "Prometheus's scrape config"),
  );
}

/** alertmanager.yml of a stack: compose's routes, to the alert-sink container beside it. */
export function renderStackAlertmanagerConfig(stack: string): string {
  return containerAlertmanagerConfig(
    header(stack, "Alertmanager's routes (toolkit/prometheus/alertmanager.ts)"),
  );
}

/**
 * alerts.yml of a stack: its slave count, and HAProxy's lag limit (the stack's HAProxy uses compose's
 * topology settings, stacks/haproxy.ts); semi-sync on, as the hand-over's semisync.mjs leaves it.
 */
export function renderStackAlertRules(stack: string, slaves: number): string {
  return renderAlertRules(
    {
      ...defaultAlertSettings,
      maxLagSeconds: composeTopology.mysql.maxLagSeconds ?? 5,
      slaves,
      semisync: true,
    },
    header(stack, 'Alert rules (toolkit/prometheus/rules.ts)'),
  );
}
