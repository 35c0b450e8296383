import { envInt } from './state.ts';

/**
 * Where the local environment's metrics listen, all on 127.0.0.1: Prometheus on LOCAL_PROMETHEUS_PORT
 * (9090), Alertmanager on LOCAL_ALERTMANAGER_PORT (9093), and a block from LOCAL_METRICS_PORT (9400) for
 * what it scrapes — the app instances (+0, +1), the replicator (+2), the Redis exporter (+3),
 * node_exporter's textfile collector (+4), the alert sink Alertmanager notifies (+5) and one
 * mysqld-exporter per MySQL node (+10 on, by the node's place in the state).
 */
export interface LocalMetricsPorts {
  prometheus: number;
  alertmanager: number;
  alertSink: number;
  app: [number, number];
  replicator: number;
  redisExporter: number;
  textfile: number;
  mysqlExporter(nodeIndex: number): number;
}

export function localMetricsPorts(): LocalMetricsPorts {
  const base = envInt('LOCAL_METRICS_PORT', 9400);
  return {
    prometheus: envInt('LOCAL_PROMETHEUS_PORT', 9090),
    alertmanager: envInt('LOCAL_ALERTMANAGER_PORT', 9093),
    alertSink: base + 5,
    app: [base, base + 1],
    replicator: base + 2,
    redisExporter: base + 3,
    textfile: base + 4,
    mysqlExporter: (nodeIndex) => base + 10 + nodeIndex,
  };
}

/** Prometheus's scrape and rule-evaluation interval in seconds (LOCAL_PROMETHEUS_INTERVAL, 15 by default). */
export function localPrometheusInterval(): number {
  return envInt('LOCAL_PROMETHEUS_INTERVAL', 15);
}
