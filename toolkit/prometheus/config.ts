import { stringify } from 'yaml';

/** One scrape target: host:port, and the labels that name it in alerts (a node, an app instance). */
export interface Target {
  address: string;
  labels: Record<string, string>;
}

/** Everything Prometheus scrapes, by job; a job with no target is left out. */
export interface ScrapeTargets {
  /** The app instances' metrics listeners (METRICS_HOST:METRICS_PORT), label `instance_name`. */
  app: Target[];
  /** One prometheus-mysqld-exporter per MySQL node, label `node`. */
  mysql: Target[];
  redis: Target[];
  replicator: Target[];
  /** node_exporter with only its textfile collector: the ClickHouse load's last run. */
  textfile: Target[];
  /** Prometheus itself. */
  prometheus: Target[];
  /** node_exporter with its default collectors, one per machine (the stacks' hosts), label `host`. */
  node: Target[];
}

export interface PrometheusSettings {
  scrapeIntervalSeconds: number;
  evaluationIntervalSeconds: number;
  /** Rule files, as Prometheus sees their paths (relative to the config file, or absolute). */
  ruleFiles: string[];
  /** Alertmanagers (host:port) that firing and resolved alerts are sent to; none: alerts stay in Prometheus. */
  alertmanagers?: string[];
}

export const jobs = ['prometheus', 'app', 'mysql', 'redis', 'replicator', 'textfile', 'node'] as const;

/**
 * prometheus.yml: one job per kind of target, static targets rendered from the inventory (a changed
 * topology is a new rendering and a reload, never a hand edit). Each target keeps its own labels so an
 * alert names the node or instance, not only an address.
 */
export function renderPrometheusConfig(
  targets: ScrapeTargets,
  settings: PrometheusSettings,
  header: string,
): string {
  const scrapeConfigs = jobs
    .filter((job) => targets[job].length > 0)
    .map((job) => ({
      job_name: job,
      static_configs: targets[job].map((t) => ({
        targets: [t.address],
        ...(Object.keys(t.labels).length ? { labels: t.labels } : {}),
      })),
    }));
  const config = {
    global: {
      scrape_interval: `${settings.scrapeIntervalSeconds}s`,
      evaluation_interval: `${settings.evaluationIntervalSeconds}s`,
      // A timeout may not exceed the interval; 5 s is plenty for local exporters.
      scrape_timeout: `${Math.min(5, settings.scrapeIntervalSeconds)}s`,
    },
    ...(settings.alertmanagers?.length
      ? { alerting: { alertmanagers: [{ static_configs: [{ targets: settings.alertmanagers }] }] } }
      : {}),
    rule_files: settings.ruleFiles,
    scrape_configs: scrapeConfigs,
  };
  const comment = header
    .split('\n')
    .map((l) => `# ${l}`.trimEnd())
    .join('\n');
  return `${comment}\n${stringify(config, { lineWidth: 0 })}`;
}
