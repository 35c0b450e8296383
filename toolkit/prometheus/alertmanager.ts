import { stringify } from 'yaml';
import type { ExporterCommand } from './exporters.ts';

/** How often an operator hears of a group: first after group_wait, changes after group_interval, then every repeat. */
export interface NotificationTiming {
  groupWait: string;
  groupInterval: string;
  repeatInterval: string;
}

/**
 * 10 s to gather what one cause sets off (a dead master: every slave's IO thread), 5 min between updates of
 * a group, the same firing group again every 4 h: often enough not to be forgotten, rarely enough to be read.
 */
export const operatorTiming: NotificationTiming = {
  groupWait: '10s',
  groupInterval: '5m',
  repeatInterval: '4h',
};

/** The receiver every alert goes to: the webhook sink (toolkit/alerts/sink). */
export const webhookReceiver = 'operator-webhook';

/**
 * With no writable master, every slave's replication and the master's semi-sync alerts follow from it:
 * one page that says what to do (failover.mjs), not five that each name a symptom.
 */
export const noMasterInhibits = {
  source: 'MysqlNoWritableMaster',
  targets: [
    'ReplicationIoThreadStopped',
    'ReplicationSqlThreadStopped',
    'ReplicationLagHigh',
    'SemiSyncMasterOff',
    'SemiSyncClientsMissing',
  ],
} as const;

export interface AlertmanagerSettings {
  /** Where the webhook sink listens, e.g. http://alert-sink:9095/alerts. */
  webhookUrl: string;
  timing?: NotificationTiming;
}

/**
 * alertmanager.yml: one route, grouped by alert name, to the webhook sink with resolved notifications too;
 * the no-master inhibition. Another receiver (email, Slack) is a config-only change: docs/observability.md.
 */
export function renderAlertmanagerConfig(settings: AlertmanagerSettings, header: string): string {
  const timing = settings.timing ?? operatorTiming;
  const config = {
    route: {
      receiver: webhookReceiver,
      group_by: ['alertname'],
      group_wait: timing.groupWait,
      group_interval: timing.groupInterval,
      repeat_interval: timing.repeatInterval,
    },
    receivers: [
      {
        name: webhookReceiver,
        webhook_configs: [{ url: settings.webhookUrl, send_resolved: true }],
      },
    ],
    inhibit_rules: [
      {
        source_matchers: [`alertname="${noMasterInhibits.source}"`],
        target_matchers: [`alertname=~"${noMasterInhibits.targets.join('|')}"`],
      },
    ],
  };
  const comment = header
    .split('\n')
    .map((l) => `# ${l}`.trimEnd())
    .join('\n');
  return `${comment}\n${stringify(config, { lineWidth: 0 })}`;
}

/** Debian's name for it, and upstream's. */
export const alertmanagerBinaries = ['prometheus-alertmanager', 'alertmanager'];

/**
 * Debian's Alertmanager (prometheus-alertmanager): its silences and notification log under `dataDir`, no
 * cluster listener (one instance: gossip would only open another port).
 */
export function alertmanagerCommand(
  configFile: string,
  dataDir: string,
  host: string,
  port: number,
): ExporterCommand {
  return {
    binaries: alertmanagerBinaries,
    debianPackage: 'prometheus-alertmanager',
    args: [
      `--config.file=${configFile}`,
      `--storage.path=${dataDir}`,
      `--web.listen-address=${host}:${port}`,
      '--cluster.listen-address=',
    ],
    listen: { host, port },
    readyPath: '/-/ready',
  };
}

/** Alertmanager's and the sink's ports in compose and the stacks, where each is a container of that name. */
export const alertingPorts = { alertmanager: 9093, sink: 9095 } as const;

/**
 * compose's and the stacks' alertmanager.yml: Prometheus, Alertmanager and the sink share a container
 * network there, so the sink is reached by its container name and the one rendering serves both.
 */
export function containerAlertmanagerConfig(header: string): string {
  return renderAlertmanagerConfig({ webhookUrl: `http://alert-sink:${alertingPorts.sink}/alerts` }, header);
}

/** Where the sink keeps its file inside its container (a volume: the history survives a restart). */
export const containerSinkDir = '/var/lib/alert-sink';

/**
 * The sink container's health: its /-/ready, which answers once it has opened its file for appending (the
 * image's own HEALTHCHECK asks the app's /health, which the sink does not serve). Compose's is the same.
 */
export const containerSinkHealthcheck = [
  'CMD',
  'node',
  '-e',
  `fetch('http://127.0.0.1:${alertingPorts.sink}/-/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`,
];

/** The sink container's command, from the app image (compiled JavaScript, app/Dockerfile). */
export const containerSinkCommand = [
  'node',
  'toolkit/alerts/sink/main.js',
  '--listen',
  `0.0.0.0:${alertingPorts.sink}`,
  '--file',
  `${containerSinkDir}/alerts.jsonl`,
];
