import * as gcp from '@pulumi/gcp';
import type { HostContext } from './hosts.ts';
import { roleTag } from './hosts.ts';
import { googleFrontEndRanges } from './https.ts';
import { metricsPorts } from './monitoring-config.ts';
import { type HostRole, ports } from './topology.ts';

export interface FirewallInput {
  ctx: HostContext;
  mysqlPorts: number[];
}

/**
 * Ingress for the stack's hosts, in the stack's own network (no other rule applies there). Database,
 * queue and admin ports accept the configured admin ranges and the stack's own hosts only (by network tag:
 * they talk over internal addresses); SSH only the configured SSH ranges; only the app port takes the
 * configured public ranges. Redis has no rule: only the app, on the same host, reaches it. Metrics
 * listeners take the admin ranges and the monitoring host (Prometheus) only; Prometheus and Grafana the
 * admin ranges only.
 */
export function createFirewall({ ctx, mysqlPorts }: FirewallInput): gcp.compute.Firewall[] {
  const { settings, stack, stackTag } = ctx;
  const trusted = settings.adminSourceRanges;
  const rule = (
    key: string,
    description: string,
    tcpPorts: string[],
    targetRoles: HostRole[],
    sourceRanges: string[],
    /** true: every host of the stack; a list: the hosts with these tags only. */
    fromStackHosts: boolean | string[],
  ) =>
    new gcp.compute.Firewall(`${stack}-${key}`, {
      name: `${stack}-${key}`,
      network: ctx.network.network.id,
      description,
      direction: 'INGRESS',
      allows: [{ protocol: 'tcp', ports: tcpPorts }],
      sourceRanges,
      sourceTags: Array.isArray(fromStackHosts) ? fromStackHosts : fromStackHosts ? [stackTag] : undefined,
      targetTags: targetRoles.map((role) => roleTag(stackTag, role)),
    });

  const range = (first: number, last: number) => (first === last ? `${first}` : `${first}-${last}`);
  const [firstMysql, lastMysql] = [Math.min(...mysqlPorts), Math.max(...mysqlPorts)];
  const exporters = mysqlPorts.map(metricsPorts.mysqldExporter);
  const rules = [
    rule(
      'ssh',
      'SSH from the configured SSH ranges',
      ['22'],
      ['app', 'slave', 'vitess', 'monitoring'],
      settings.sshSourceRanges,
      false,
    ),
    rule(
      'mysql',
      'MySQL master and slaves: admin ranges and the stack hosts (replication)',
      [range(firstMysql, lastMysql)],
      ['app', 'slave'],
      trusted,
      true,
    ),
    rule(
      'services',
      'RabbitMQ (and its management UI), Tarantool, ClickHouse HTTP: admin ranges and the stack hosts',
      [ports.rabbitmq, ports.rabbitmqManagement, ports.tarantool, ports.clickhouseHttp].map(String),
      ['app'],
      trusted,
      true,
    ),
    rule(
      'app-http',
      settings.https
        ? 'The social app, from the HTTPS load balancer and its health checks only'
        : 'The social app over HTTP',
      [String(settings.appPort)],
      ['app'],
      settings.https ? googleFrontEndRanges : settings.appSourceRanges,
      false,
    ),
    rule(
      'metrics',
      'Exporters and metrics listeners (node, mysqld, Redis, app, replicator): admin ranges and Prometheus',
      [
        metricsPorts.nodeExporter,
        metricsPorts.redisExporter,
        metricsPorts.replicator,
        // Every app instance's, from the one table the scrape config reads too.
        ...Object.values(metricsPorts.app),
      ]
        .sort((a, b) => a - b)
        .map(String)
        .concat(range(Math.min(...exporters), Math.max(...exporters))),
      ['app', 'slave', 'vitess', 'monitoring'],
      trusted,
      [roleTag(stackTag, 'monitoring')],
    ),
    rule(
      'monitoring',
      'Prometheus, Alertmanager and Grafana: admin ranges only (or an SSH tunnel)',
      [metricsPorts.prometheus, metricsPorts.alertmanager, metricsPorts.grafana].map(String),
      ['monitoring'],
      trusted,
      false,
    ),
  ];
  if (settings.vitess) {
    rules.push(
      rule(
        'vitess',
        'Vitess vtctld (web, gRPC), vtgate (web, MySQL): admin ranges and the stack hosts',
        [ports.vtctldWeb, ports.vtgateWeb, ports.vtgateMysql, ports.vtctldGrpc].map(String),
        ['vitess'],
        trusted,
        true,
      ),
    );
  }
  return rules;
}
