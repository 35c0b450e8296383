import { stringify } from 'yaml';

/** What the rules need to know of the topology they watch (from the inventory). */
export interface AlertSettings {
  /** mysql.maxLagSeconds: a slave further behind is an alert (and HAProxy stops reading from it). */
  maxLagSeconds: number;
  /** How many slaves the master should have as semi-sync clients. */
  slaves: number;
  /** Whether the inventory runs semi-sync (mysql.semisync): only then is its absence an alert. */
  semisync: boolean;
  /** The app's p99 target per instance, in seconds. */
  p99TargetSeconds: number;
  /** The replicator's lag that is an alert, in seconds. */
  replicatorMaxLagSeconds: number;
  /** Fan-out messages waiting that are an alert. */
  fanoutBacklog: number;
}

export const defaultAlertSettings: Omit<AlertSettings, 'maxLagSeconds' | 'slaves' | 'semisync'> = {
  p99TargetSeconds: 1,
  replicatorMaxLagSeconds: 30,
  fanoutBacklog: 1000,
};

export interface AlertRule {
  alert: string;
  expr: string;
  for: string;
  severity: 'critical' | 'warning';
  summary: string;
  description: string;
  /** What fixes it: a runbook or the step to take. */
  runbook: string;
}

/** Semi-sync's status on MySQL 5.7 and MariaDB (`master`) or MySQL 8.0.26+ (`source`): one series per node. */
const semisyncStatus =
  '(mysql_global_status_rpl_semi_sync_master_status or mysql_global_status_rpl_semi_sync_source_status)';
const semisyncClients =
  '(mysql_global_status_rpl_semi_sync_master_clients or mysql_global_status_rpl_semi_sync_source_clients)';
/**
 * Replica status under the column names of MariaDB and MySQL before 8.0.22 (`slave_io_running`,
 * `seconds_behind_master`) or of MySQL 8.0.22+ (`replica_io_running`, `seconds_behind_source`): the
 * exporter (v0.16+ asks MySQL 8.4 SHOW REPLICA STATUS) names each metric after the column it read.
 */
export const replicaIoRunning =
  '(mysql_slave_status_slave_io_running or mysql_slave_status_replica_io_running)';
export const replicaSqlRunning =
  '(mysql_slave_status_slave_sql_running or mysql_slave_status_replica_sql_running)';
export const replicaLag =
  '(mysql_slave_status_seconds_behind_master or mysql_slave_status_seconds_behind_source)';
/** The nodes that take writes: read_only off. */
const writable = 'mysql_global_variables_read_only == 0';
const requests = 'app_http_request_duration_seconds_count';

/** Every alert of the topology, in the order an operator reads them (databases first). */
export function alertRules(settings: AlertSettings): AlertRule[] {
  const rules: AlertRule[] = [
    {
      alert: 'ScrapeTargetDown',
      expr: 'up == 0',
      for: '1m',
      severity: 'warning',
      summary: '{{ $labels.job }} target {{ $labels.instance }} does not answer scrapes',
      description: 'Prometheus cannot read this target: the process or its exporter is down.',
      runbook: '`npm run up` (local) restarts it; elsewhere, the service of that job',
    },
    {
      alert: 'MysqlDown',
      expr: 'mysql_up == 0',
      for: '30s',
      severity: 'critical',
      summary: 'MySQL {{ $labels.node }} does not answer its exporter',
      description:
        'The exporter runs but cannot query its server: it is down or refuses the exporter account.',
      runbook: '`npm run up` (local); a dead master: `npx zx scripts/failover.mjs`',
    },
    {
      alert: 'ReplicationIoThreadStopped',
      expr: `${replicaIoRunning} == 0`,
      for: '30s',
      severity: 'critical',
      summary: 'Slave {{ $labels.node }}: IO thread not running',
      description:
        'The slave receives nothing from {{ $labels.master_host }}: stopped, failing to connect, or the master cannot serve its position.',
      runbook: '`npx zx scripts/replication.mjs` (restarts, repoints or reseeds it)',
    },
    {
      alert: 'ReplicationSqlThreadStopped',
      expr: `${replicaSqlRunning} == 0`,
      for: '30s',
      severity: 'critical',
      summary: 'Slave {{ $labels.node }}: SQL thread not running',
      description:
        'The slave receives the binlog but applies nothing: stopped by hand or by an SQL error. Its data ages by the second.',
      runbook: '`npx zx scripts/replication.mjs` (restarts it, or reseeds a diverged slave)',
    },
    {
      alert: 'ReplicationLagHigh',
      expr: `${replicaLag} > ${settings.maxLagSeconds}`,
      for: '1m',
      severity: 'warning',
      summary: 'Slave {{ $labels.node }} is {{ $value }} s behind',
      description: `Over the inventory's maxLagSeconds (${settings.maxLagSeconds} s): HAProxy's reader endpoint no longer sends reads to it.`,
      runbook:
        'find the long transaction or the load on the slave; `npx zx scripts/replication.mjs` verifies',
    },
  ];
  if (settings.semisync)
    rules.push(
      {
        alert: 'SemiSyncMasterOff',
        expr: `${semisyncStatus} == 0 and on (instance) ${writable}`,
        for: '30s',
        severity: 'critical',
        summary: 'Master {{ $labels.node }}: semi-sync is OFF',
        description:
          'The master commits without waiting for a slave (turned off, or fallen back to async after its timeout): a failover now can lose acknowledged writes.',
        runbook: '`npx zx scripts/semisync.mjs` (slaves first, then the master)',
      },
      {
        alert: 'SemiSyncClientsMissing',
        expr: `${semisyncClients} < ${settings.slaves} and on (instance) ${writable}`,
        for: '1m',
        severity: 'warning',
        summary: `Master {{ $labels.node }}: {{ $value }} semi-sync clients, ${settings.slaves} expected`,
        description: `Fewer semi-sync slaves than the inventory's ${settings.slaves}: a slave replicates asynchronously or not at all.`,
        runbook: '`npx zx scripts/semisync.mjs` (restarts the IO thread of an async slave)',
      },
    );
  rules.push(
    {
      alert: 'MysqlNoWritableMaster',
      expr: `absent(${writable})`,
      for: '30s',
      severity: 'critical',
      summary: 'No writable MySQL master',
      description: 'No node answers with read_only=0: every write of the app fails.',
      runbook: '`npx zx scripts/failover.mjs` (promotes the most complete slave)',
    },
    {
      alert: 'MysqlSeveralWritableMasters',
      expr: `count(${writable}) > 1`,
      for: '30s',
      severity: 'critical',
      summary: '{{ $value }} MySQL nodes are writable',
      description:
        'More than one node has read_only=0: writes can land on both sides and diverge (a former master not fenced).',
      runbook:
        'fence the node the inventory does not name as master (`npx zx scripts/failover.mjs` fences it)',
    },
    {
      alert: 'ReplicatorLagHigh',
      expr: `replicator_lag_seconds > ${settings.replicatorMaxLagSeconds}`,
      for: '1m',
      severity: 'warning',
      summary: 'The Tarantool replicator is {{ $value }} s behind',
      description: `Tarantool's copy of the users is over ${settings.replicatorMaxLagSeconds} s old: Tarantool search answers stale rows.`,
      runbook: '`npx zx scripts/tarantool.mjs` (reports the lag, restarts the replicator)',
    },
    {
      alert: 'ReplicatorNotStreaming',
      expr: 'replicator_state{state="streaming"} == 0',
      for: '2m',
      severity: 'warning',
      summary: 'The Tarantool replicator is not streaming the binlog',
      description:
        'It is reconnecting or loading: its lag reads 0 while it receives nothing. Its log says why (a read-only source, a refused login).',
      runbook: '`npx zx scripts/tarantool.mjs`',
    },
    {
      alert: 'AppHighErrorRate',
      expr: `sum by (instance) (rate(${requests}{status_code=~"5.."}[5m])) / sum by (instance) (rate(${requests}[5m])) > 0.05`,
      for: '5m',
      severity: 'critical',
      summary: 'App {{ $labels.instance }}: {{ $value | humanizePercentage }} of requests fail with 5xx',
      description:
        'Over 5% of the answers are server errors: a dependency is down or the writer is read-only.',
      runbook: "`npm run status` shows which dependency; the app's log names the error codes",
    },
    {
      alert: 'AppLatencyP99High',
      expr: `histogram_quantile(0.99, sum by (instance, le) (rate(app_http_request_duration_seconds_bucket[5m]))) > ${settings.p99TargetSeconds}`,
      for: '5m',
      severity: 'warning',
      summary: 'App {{ $labels.instance }}: p99 {{ $value | humanizeDuration }}',
      description: `The slowest 1% of requests take over the ${settings.p99TargetSeconds} s target.`,
      runbook:
        'the per-route latency panel shows which route; slaves lagging or a missing index (generate-users.mjs)',
    },
    {
      alert: 'AppDependencyDown',
      expr: 'app_dependency_up == 0',
      for: '1m',
      severity: 'critical',
      summary: 'App {{ $labels.instance }} has lost {{ $labels.dependency }}',
      description: 'Feeds and counters fall back to MySQL (Redis) or fan-out runs in process (RabbitMQ).',
      runbook: '`npm run up` (local) restarts it',
    },
    {
      alert: 'FanoutBacklog',
      expr: `app_queue_messages{queue=~".*[.]feed[.]fanout.*"} > ${settings.fanoutBacklog}`,
      for: '5m',
      severity: 'warning',
      summary: 'Fan-out queue {{ $labels.queue }}: {{ $value }} messages waiting',
      description: 'Followers see new posts late: consumers are slower than posting, or stopped.',
      runbook: 'add app instances, or find the slow consumer (delivery-delay panel)',
    },
  );
  return rules;
}

/**
 * The rules file Prometheus loads: one group, each alert with its severity, summary and runbook. The
 * promtool unit tests render it without annotations (`annotations: false`): they test what fires and
 * with which labels; `promtool check rules` checks the annotations' templates on the real file.
 */
export function renderAlertRules(
  settings: AlertSettings,
  header: string,
  options: { annotations?: boolean } = {},
): string {
  const rules = alertRules(settings).map((r) => ({
    alert: r.alert,
    expr: r.expr,
    for: r.for,
    labels: { severity: r.severity },
    ...(options.annotations === false
      ? {}
      : { annotations: { summary: r.summary, description: r.description, runbook: r.runbook } }),
  }));
  const comment = header
    .split('\n')
    .map((l) => `# ${l}`.trimEnd())
    .join('\n');
  return `${comment}\n${stringify({ groups: [{ name: 'topology', rules }] }, { lineWidth: 0 })}`;
}
