import * as gcp from '@pulumi/gcp';
import type { HostContext } from './hosts.ts';
import { roleTag } from './hosts.ts';
import { googleFrontEndRanges } from './https.ts';
import { ports } from './topology.ts';

export interface FirewallInput {
  ctx: HostContext;
  mysqlPorts: number[];
}

/**
 * Ingress for the stack's hosts, in the stack's own network (no other rule applies there). Database,
 * queue and admin ports accept the configured admin ranges and the stack's own hosts only (by network tag:
 * they talk over internal addresses); SSH only the configured SSH ranges; only the app port takes the
 * configured public ranges. Redis has no rule: only the app, on the same host, reaches it.
 */
export function createFirewall({ ctx, mysqlPorts }: FirewallInput): gcp.compute.Firewall[] {
  const { settings, stack, stackTag } = ctx;
  const trusted = settings.adminSourceRanges;
  const rule = (
    key: string,
    description: string,
    tcpPorts: string[],
    targetRoles: Array<'app' | 'slave' | 'vitess'>,
    sourceRanges: string[],
    fromStackHosts: boolean,
  ) =>
    new gcp.compute.Firewall(`${stack}-${key}`, {
      name: `${stack}-${key}`,
      network: ctx.network.network.id,
      description,
      direction: 'INGRESS',
      allows: [{ protocol: 'tcp', ports: tcpPorts }],
      sourceRanges,
      sourceTags: fromStackHosts ? [stackTag] : undefined,
      targetTags: targetRoles.map((role) => roleTag(stackTag, role)),
    });

  const [firstMysql, lastMysql] = [Math.min(...mysqlPorts), Math.max(...mysqlPorts)];
  const rules = [
    rule(
      'ssh',
      'SSH from the configured SSH ranges',
      ['22'],
      ['app', 'slave', 'vitess'],
      settings.sshSourceRanges,
      false,
    ),
    rule(
      'mysql',
      'MySQL master and slaves: admin ranges and the stack hosts (replication)',
      [firstMysql === lastMysql ? `${firstMysql}` : `${firstMysql}-${lastMysql}`],
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
