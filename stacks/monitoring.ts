import * as pulumi from '@pulumi/pulumi';
import { composeTopology } from '../toolkit/haproxy/compose-config.ts';
import {
  containerSinkCommand,
  containerSinkDir,
  containerSinkHealthcheck,
} from '../toolkit/prometheus/alertmanager.ts';
import { dashboards } from '../toolkit/prometheus/dashboards.ts';
import { mysqldExporterCnf, mysqldExporterCollectors } from '../toolkit/prometheus/exporters.ts';
import type { StackSettings } from './config.ts';
import type { Host } from './hosts.ts';
import {
  alertRulesFile,
  type MonitoredStack,
  metricsPorts,
  renderStackAlertmanagerConfig,
  renderStackAlertRules,
  renderStackPrometheusConfig,
} from './monitoring-config.ts';
import type { Secrets } from './services.ts';
import type { SharedFile } from './shared-files.ts';
import type { Topology } from './topology.ts';

/** The exporter account replication.mjs keeps on every node (`mysql.exporter` in environments/<stack>.yaml). */
export const exporterUser = 'exporter';
/** The images' own unprivileged users: the secret files are theirs alone (0400). */
const nobody = '65534';
const redisExporterUid = '59000';
const grafanaUid = '472';

export const prometheusConfigDir = '/etc/prometheus';
export const alertmanagerConfigDir = '/etc/alertmanager';
/** Outside Grafana's data volume, so the provisioned dashboards are always the repository's. */
const grafanaDashboards = (uid: string): SharedFile => ({
  source: `grafana/dashboards/${uid}.json`,
  target: `/etc/grafana/dashboards/${uid}.json`,
});
const grafanaProvisioning: SharedFile[] = ['datasources/prometheus.yml', 'dashboards/dashboards.yml'].map(
  (file) => ({ source: `grafana/provisioning/${file}`, target: `/etc/grafana/provisioning/${file}` }),
);

export interface MonitoringInput {
  stack: string;
  settings: StackSettings;
  secrets: Secrets;
  topology: Topology;
  host: (key: string) => Host;
}

/** Where an admin (inside adminSourceRanges) opens Prometheus, Alertmanager and Grafana. */
export interface MonitoringOutputs {
  prometheus: pulumi.Output<string>;
  alertmanager: pulumi.Output<string>;
  grafana: pulumi.Output<string>;
}

/**
 * The stack's monitoring: node_exporter on every host, a mysqld-exporter beside every MySQL node and
 * Redis's exporter beside Redis (each published on its host's internal address), and Prometheus,
 * Alertmanager (with the alert sink it notifies) and Grafana on the monitoring host, with compose's
 * dashboards and the stack's rendering of the one scrape-config, alert-rule and route renderer.
 */
export function deployMonitoring(input: MonitoringInput): MonitoringOutputs {
  const { settings, topology, host } = input;
  for (const plan of topology.hosts)
    deployNodeExporter(settings, host(plan.key), plan.key === 'app' ? loadTextfileDir : undefined);
  const app = host('app');
  deployMysqldExporter(input, app, composeTopology.mysql.master.name, topology.mysqlPorts[0]!);
  for (const slave of topology.slaves)
    deployMysqldExporter(input, host(slave.hostKey), slave.name, slave.port);
  deployRedisExporter(input, app);

  const monitored = pulumi
    .all([
      app.internalAddress,
      pulumi.all(Object.fromEntries(topology.hosts.map((h) => [h.key, host(h.key).internalAddress]))),
      pulumi.all(
        topology.slaves.map((s) =>
          host(s.hostKey).internalAddress.apply((address) => ({ name: s.name, port: s.port, host: address })),
        ),
      ),
    ])
    .apply(([appHost, hosts, slaves]): MonitoredStack => ({ stack: input.stack, appHost, hosts, slaves }));
  const monitoring = host('monitoring');
  const alertmanager = deployAlertmanager(input, monitoring);
  const prometheus = monitoring.addContainer({
    name: 'prometheus',
    image: settings.images.prometheus,
    command: [
      `--config.file=${prometheusConfigDir}/prometheus.yml`,
      '--storage.tsdb.path=/prometheus',
      `--storage.tsdb.retention.time=${settings.metricsRetentionDays}d`,
    ],
    generatedFiles: [
      {
        target: `${prometheusConfigDir}/prometheus.yml`,
        content: monitored.apply(renderStackPrometheusConfig),
      },
      {
        target: `${prometheusConfigDir}/${alertRulesFile}`,
        content: renderStackAlertRules(input.stack, topology.slaves.length),
      },
    ],
    // All interfaces: the firewall admits the admin ranges only; an SSH tunnel reaches it on 127.0.0.1.
    ports: [{ internal: metricsPorts.prometheus, external: metricsPorts.prometheus }],
    dataPaths: ['/prometheus'],
    dependsOn: [alertmanager],
  });
  monitoring.addContainer({
    name: 'grafana',
    image: settings.images.grafana,
    env: { GF_USERS_ALLOW_SIGN_UP: 'false', GF_SECURITY_ADMIN_PASSWORD__FILE: grafanaPasswordPath },
    files: [...grafanaProvisioning, ...dashboards.map((d) => grafanaDashboards(d.uid))],
    secretFiles: [
      {
        target: grafanaPasswordPath,
        content: input.secrets.grafanaAdminPassword,
        owner: grafanaUid,
        permissions: '0400',
      },
    ],
    ports: [{ internal: metricsPorts.grafana, external: metricsPorts.grafana }],
    dataPaths: ['/var/lib/grafana'],
    dependsOn: [prometheus],
  });
  return {
    prometheus: pulumi.interpolate`http://${monitoring.address}:${metricsPorts.prometheus}`,
    alertmanager: pulumi.interpolate`http://${monitoring.address}:${metricsPorts.alertmanager}`,
    grafana: pulumi.interpolate`http://${monitoring.address}:${metricsPorts.grafana}`,
  };
}

/**
 * Alertmanager with compose's routes, and the webhook sink it notifies (the app image's
 * toolkit/alerts/sink, its JSON lines in a volume on the data disk). The sink publishes nothing: only
 * Alertmanager reaches it, on the host's container network.
 */
function deployAlertmanager(input: MonitoringInput, monitoring: Host) {
  const sink = monitoring.addContainer({
    name: 'alert-sink',
    image: input.settings.images.app,
    command: containerSinkCommand,
    healthcheck: { tests: containerSinkHealthcheck },
    dataPaths: [containerSinkDir],
  });
  return monitoring.addContainer({
    name: 'alertmanager',
    image: input.settings.images.alertmanager,
    command: [
      `--config.file=${alertmanagerConfigDir}/alertmanager.yml`,
      '--storage.path=/alertmanager',
      '--cluster.listen-address=',
    ],
    generatedFiles: [
      {
        target: `${alertmanagerConfigDir}/alertmanager.yml`,
        content: renderStackAlertmanagerConfig(input.stack),
      },
    ],
    // All interfaces, like Prometheus: the firewall admits the admin ranges only.
    ports: [{ internal: metricsPorts.alertmanager, external: metricsPorts.alertmanager }],
    dataPaths: ['/alertmanager'],
    dependsOn: [sink],
  });
}

/** Grafana reads its admin password from this file: never in its environment. */
export const grafanaPasswordPath = '/run/secrets/grafana-admin-password';
export const mysqldExporterCnfPath = '/run/secrets/mysqld-exporter.cnf';

/**
 * Where the app host's node_exporter reads the ClickHouse load's textfile (clickhouse_load.prom,
 * toolkit/clickhouse/load-metrics.ts), on the host: a load run there with TOOLKIT_STATE_DIR=/var/lib/node-exporter
 * writes it in place; a run elsewhere is scraped once its file is copied there (docs/observability.md).
 */
export const loadTextfileDir = '/var/lib/node-exporter/textfile';

/**
 * The machine's CPU, memory, disks and network, on the host's internal address only; with `textfileDir`,
 * the *.prom files there too (the textfile collector reads the host's folder through the read-only /host).
 */
function deployNodeExporter(settings: StackSettings, host: Host, textfileDir?: string): void {
  host.addContainer({
    name: 'node-exporter',
    image: settings.images.nodeExporter,
    command: [
      '--path.rootfs=/host',
      pulumi.interpolate`--web.listen-address=${host.internalAddress}:${metricsPorts.nodeExporter}`,
      ...(textfileDir ? [`--collector.textfile.directory=/host${textfileDir}`] : []),
    ],
    hostView: { rootfs: '/host' },
  });
}

/**
 * prometheus-mysqld-exporter beside one node, on the container network (the node by its container name),
 * with compose's collectors and the exporter account's login in a 0400 option file, never in its
 * environment. The account is replication.mjs's to make (until then the exporter reports mysql_up 0).
 */
function deployMysqldExporter(input: MonitoringInput, host: Host, node: string, mysqlPort: number): void {
  host.addContainer({
    name: `mysqld-exporter-${node}`,
    image: input.settings.images.mysqldExporter,
    command: [`--config.my-cnf=${mysqldExporterCnfPath}`, ...mysqldExporterCollectors],
    secretFiles: [
      {
        target: mysqldExporterCnfPath,
        content: input.secrets.mysqlExporterPassword.apply((password) =>
          mysqldExporterCnf({ user: exporterUser, password, host: node, port: 3306 }),
        ),
        owner: nobody,
        permissions: '0400',
      },
    ],
    ports: [
      {
        internal: metricsPorts.mysqldExporterContainer,
        external: metricsPorts.mysqldExporter(mysqlPort),
        ip: host.internalAddress,
      },
    ],
  });
}

/** Redis's exporter: its password in a file (the exporter's JSON map of address → password). */
function deployRedisExporter(input: MonitoringInput, host: Host): void {
  const passwordFile = '/run/secrets/redis-exporter-passwords.json';
  const redis = 'redis://redis:6379';
  host.addContainer({
    name: 'redis-exporter',
    image: input.settings.images.redisExporter,
    command: [`--redis.addr=${redis}`, `--redis.password-file=${passwordFile}`],
    secretFiles: [
      {
        target: passwordFile,
        content: input.secrets.redisPassword.apply((p) => JSON.stringify({ [redis]: p })),
        owner: redisExporterUid,
        permissions: '0400',
      },
    ],
    ports: [
      {
        internal: metricsPorts.redisExporter,
        external: metricsPorts.redisExporter,
        ip: host.internalAddress,
      },
    ],
  });
}
