import * as pulumi from '@pulumi/pulumi';
import { epochSchema, epochTable } from '../toolkit/haproxy/agent/epoch-row.ts';
import { type MysqlTopology, renderAgentConfig } from '../toolkit/haproxy/agent-config.ts';
import { composeAgentConfigOf, composeLayout, composeTopology } from '../toolkit/haproxy/compose-config.ts';
import { renderHaproxyConfig } from '../toolkit/haproxy/config.ts';
import { epochTableStatements } from '../toolkit/mysql/topology-epoch.ts';
import { defaultMaster, placeMaster } from './mysql-master.ts';

/** A slave as HAProxy on the app host reaches it: by its host's internal address and its own port. */
export interface SlaveAddress {
  name: string;
  host: pulumi.Input<string>;
  port: number;
}

/** The master's container name and port on the app host's network, as in compose. */
export const masterOnAppHost = composeTopology.mysql.master;
export const monitorUser = composeTopology.mysql.monitor!.user;

/**
 * The stack's MySQL as HAProxy sees it: compose's topology (its master `db`, lag limit, monitor account)
 * with the stack's slaves in place of compose's, at their hosts' internal addresses, and `master` (the
 * stack's `mysqlMaster`) as the one node its writer opens.
 */
function stackTopology(
  stack: string,
  slaves: Array<{ name: string; host: string; port: number }>,
  master: string,
): MysqlTopology {
  return {
    name: stack,
    mysql: { ...composeTopology.mysql, ...placeMaster(masterOnAppHost, slaves, master) },
  };
}

/**
 * HAProxy's config and its health agent's, rendered by the renderer and with the layout that write
 * compose/haproxy/ (toolkit/haproxy/compose-config.ts): only the slaves' lines differ from compose's file.
 */
export function renderStackHaproxy(
  stack: string,
  slaves: SlaveAddress[],
  master: string = defaultMaster,
): { config: pulumi.Output<string>; agentConfig: pulumi.Output<string> } {
  // A master that is no node of the stack fails here, before anything is registered.
  placeMaster(masterOnAppHost, slaves, master);
  const topology = pulumi
    .all(slaves.map((s) => pulumi.output(s.host).apply((host) => ({ name: s.name, host, port: s.port }))))
    .apply((resolved) => stackTopology(stack, resolved, master));
  return {
    config: topology.apply((t) => renderHaproxyConfig(t, composeLayout)),
    agentConfig: topology.apply((t) =>
      renderAgentConfig(
        composeAgentConfigOf(t),
        `HAProxy's health agent for stack ${stack} (toolkit/haproxy/agent/), rendered by stacks/haproxy.ts.\n` +
          'The password is in the variable passwordEnv names, never here.',
      ),
    ),
  };
}

/** Where the MySQL image runs SQL files once, when it initialises an empty data directory. */
export const monitorUserInitPath = '/docker-entrypoint-initdb.d/monitor-user.sql';

/** A MySQL string literal (the default sql_mode: backslash escapes on). */
function sqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/**
 * The health agent's account, made by each node's image at its first start, so HAProxy routes as soon
 * as the containers run (slaves not replicating yet are down, reads fall back to the master) instead of
 * after `scripts/replication.mjs`, which keeps it converged (toolkit/mysql/monitor-user.ts: the same
 * privileges — replica status, SELECT on the topology epoch's table, made here first — the same
 * connection limit). Outside the binlog: each node has its own, a slave never
 * replays the master's.
 */
export function monitorUserInit(password: pulumi.Output<string>): pulumi.Output<string> {
  return password.apply((p) =>
    [
      '-- HAProxy health agent account (stacks/haproxy.ts); kept by scripts/replication.mjs afterwards.',
      'SET SESSION sql_log_bin = 0;',
      `CREATE USER IF NOT EXISTS '${monitorUser}'@'%' IDENTIFIED BY ${sqlString(p)} WITH MAX_USER_CONNECTIONS 4;`,
      `GRANT REPLICATION CLIENT ON *.* TO '${monitorUser}'@'%';`,
      // The topology epoch the agent follows the writer by (a table grant needs the table first).
      ...epochTableStatements.map((statement) => `${statement};`),
      `GRANT SELECT ON ${epochSchema}.${epochTable} TO '${monitorUser}'@'%';`,
      'SET SESSION sql_log_bin = 1;',
      '',
    ].join('\n'),
  );
}
