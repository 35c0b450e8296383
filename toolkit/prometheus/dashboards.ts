import { replicaIoRunning, replicaLag, replicaSqlRunning } from './rules.ts';

/** One query of a panel: PromQL and the legend Grafana draws for each of its series. */
interface Query {
  expr: string;
  legend: string;
}

interface Panel {
  title: string;
  unit?: string;
  queries: Query[];
}

interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
}

const requests = 'app_http_request_duration_seconds';
const rate = (expr: string) => `rate(${expr}[$__rate_interval])`;
const p = (q: number, by: string, selector = '') =>
  `histogram_quantile(${q}, sum by (${by}, le) (${rate(`${requests}_bucket${selector}`)}))`;

/**
 * The dashboards Grafana provisions (compose/grafana/dashboards/, rendered from here and drift-tested):
 * the topology with replication and semi-sync, the app's RED metrics with the search latency, the
 * replicator and the ClickHouse load. Every query passes promtool (dashboards.test.ts).
 */
export const dashboards: Dashboard[] = [
  {
    uid: 'mysql-topology',
    title: 'MySQL topology, replication and semi-sync',
    panels: [
      {
        title: 'Writable nodes (exactly one is right)',
        queries: [{ expr: 'count(mysql_global_variables_read_only == 0) or vector(0)', legend: 'writable' }],
      },
      { title: 'MySQL answering, by node', queries: [{ expr: 'mysql_up', legend: '{{node}}' }] },
      {
        title: 'read_only, by node',
        queries: [{ expr: 'mysql_global_variables_read_only', legend: '{{node}}' }],
      },
      {
        title: 'Replication threads running, by slave',
        queries: [
          { expr: replicaIoRunning, legend: '{{node}} IO' },
          { expr: replicaSqlRunning, legend: '{{node}} SQL' },
        ],
      },
      {
        title: 'Replication lag',
        unit: 's',
        queries: [{ expr: replicaLag, legend: '{{node}}' }],
      },
      {
        title: 'Semi-sync on the master: status and clients',
        queries: [
          {
            expr: '(mysql_global_status_rpl_semi_sync_master_status or mysql_global_status_rpl_semi_sync_source_status) and on (instance) mysql_global_variables_read_only == 0',
            legend: '{{node}} status',
          },
          {
            expr: '(mysql_global_status_rpl_semi_sync_master_clients or mysql_global_status_rpl_semi_sync_source_clients) and on (instance) mysql_global_variables_read_only == 0',
            legend: '{{node}} clients',
          },
        ],
      },
      {
        title: 'Semi-sync commits acknowledged and not',
        queries: [
          { expr: rate('mysql_global_status_rpl_semi_sync_master_yes_tx'), legend: '{{node}} acknowledged' },
          {
            expr: rate('mysql_global_status_rpl_semi_sync_master_no_tx'),
            legend: '{{node}} not acknowledged',
          },
        ],
      },
    ],
  },
  {
    uid: 'app-red',
    title: 'App: rate, errors, duration',
    panels: [
      {
        title: 'Requests per second, by route',
        unit: 'reqps',
        queries: [{ expr: `sum by (route) (${rate(`${requests}_count`)})`, legend: '{{route}}' }],
      },
      {
        title: 'Share of 5xx answers, by instance',
        unit: 'percentunit',
        queries: [
          {
            expr: `sum by (instance_name) (${rate(`${requests}_count{status_code=~"5.."}`)}) / sum by (instance_name) (${rate(`${requests}_count`)})`,
            legend: '{{instance_name}}',
          },
        ],
      },
      {
        title: 'Latency p50 and p99, by instance',
        unit: 's',
        queries: [
          { expr: p(0.5, 'instance_name'), legend: '{{instance_name}} p50' },
          { expr: p(0.99, 'instance_name'), legend: '{{instance_name}} p99' },
        ],
      },
      {
        title: 'Search latency (GET /user/search)',
        unit: 's',
        queries: [
          { expr: p(0.5, 'route', '{route="/user/search"}'), legend: 'p50' },
          { expr: p(0.99, 'route', '{route="/user/search"}'), legend: 'p99' },
        ],
      },
      {
        title: 'p99 by route',
        unit: 's',
        queries: [{ expr: p(0.99, 'route'), legend: '{{route}}' }],
      },
      {
        title: 'MySQL pool connections, by pool and endpoint',
        queries: [
          {
            expr: 'sum by (pool, endpoint, state) (app_db_pool_connections)',
            legend: '{{pool}} {{endpoint}} {{state}}',
          },
        ],
      },
      {
        title: 'Redis and RabbitMQ, as each instance sees them',
        queries: [{ expr: 'app_dependency_up', legend: '{{instance_name}} {{dependency}}' }],
      },
      {
        title: 'Fan-out backlog and delivery delay p99',
        queries: [
          {
            expr: 'max by (queue) (app_queue_messages{queue=~".*[.]feed[.]fanout.*"})',
            legend: '{{queue}} waiting',
          },
          {
            expr: `histogram_quantile(0.99, sum by (queue, le) (${rate('app_queue_delivery_delay_seconds_bucket')}))`,
            legend: '{{queue}} delay p99 (s)',
          },
        ],
      },
      {
        title: 'WebSocket connections and unread-counter rebuilds',
        queries: [
          { expr: 'sum(app_websocket_connections)', legend: 'sockets' },
          { expr: `sum(${rate('app_unread_counter_rebuilds_total')})`, legend: 'rebuilds/s' },
        ],
      },
    ],
  },
  {
    uid: 'replicator',
    title: 'Tarantool replicator and ClickHouse load',
    panels: [
      {
        title: 'Replicator lag',
        unit: 's',
        queries: [
          { expr: 'replicator_lag_seconds', legend: 'seconds' },
          { expr: 'replicator_lag_transactions', legend: 'transactions queued' },
        ],
      },
      {
        title: 'Applied per second',
        queries: [
          { expr: rate('replicator_applied_transactions_total'), legend: 'transactions' },
          { expr: rate('replicator_applied_rows_total'), legend: 'rows' },
        ],
      },
      {
        title: 'State, reconnects and source',
        queries: [
          { expr: 'replicator_state == 1', legend: '{{state}}' },
          { expr: 'increase(replicator_reconnects_total[1h])', legend: 'reconnects in the last hour' },
          { expr: 'replicator_source_info', legend: 'reads {{address}} (server_id {{server_id}})' },
        ],
      },
      {
        title: 'ClickHouse load: age of the last success, rows',
        queries: [
          {
            expr: 'time() - clickhouse_load_last_success_timestamp_seconds',
            legend: 'seconds since success',
          },
          { expr: 'clickhouse_load_rows', legend: 'rows' },
          { expr: 'clickhouse_load_last_run_duration_seconds', legend: 'last run (s)' },
        ],
      },
    ],
  },
];

/** Grafana's dashboard model (schema 39), two panels a row, every query on the provisioned Prometheus. */
export function renderDashboard(dashboard: Dashboard): string {
  const datasource = { type: 'prometheus', uid: 'prometheus' };
  const panels = dashboard.panels.map((panel, i) => ({
    id: i + 1,
    type: 'timeseries',
    title: panel.title,
    datasource,
    gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
    fieldConfig: { defaults: { unit: panel.unit ?? 'short' }, overrides: [] },
    options: { legend: { displayMode: 'list', placement: 'bottom', showLegend: true } },
    targets: panel.queries.map((q, j) => ({
      refId: String.fromCharCode(65 + j),
      datasource,
      expr: q.expr,
      legendFormat: q.legend,
    })),
  }));
  const model = {
    uid: dashboard.uid,
    title: dashboard.title,
    tags: ['highload-social'],
    schemaVersion: 39,
    version: 1,
    editable: false,
    refresh: '30s',
    time: { from: 'now-1h', to: 'now' },
    timezone: 'browser',
    panels,
  };
  return `${JSON.stringify(model, null, 2)}\n`;
}
