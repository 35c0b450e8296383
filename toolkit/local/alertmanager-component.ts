import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findBinary } from '../host/binaries.ts';
import { repoRoot } from '../inventory/paths.ts';
import { ToolkitError } from '../procedure/errors.ts';
import type { Run } from '../procedure/run.ts';
import {
  alertmanagerBinaries,
  alertmanagerCommand,
  renderAlertmanagerConfig,
} from '../prometheus/alertmanager.ts';
import { amtool } from '../prometheus/amtool.ts';
import type { ExporterCommand } from '../prometheus/exporters.ts';
import type { LocalComponent } from './component.ts';
import { localHost } from './inventory.ts';
import { localMetricsPorts } from './metrics-ports.ts';
import { convergeProcess, type Managed, stopManaged } from './prometheus-component.ts';
import { serviceDir } from './service.ts';

const dir = () => serviceDir('alertmanager');
const configFile = () => join(dir(), 'alertmanager.yml');
/** What the sink received: one JSON line per notification (scripts/alerts.mjs reads it). */
export const notificationsFile = () => join(dir(), 'notifications.jsonl');
const sinkMain = join(repoRoot, 'toolkit/alerts/sink/main.ts');

const header =
  "Alertmanager's routes of the local environment, rendered by toolkit/local/alertmanager-component.ts\n" +
  'on every `npm run up`: change the renderer (toolkit/prometheus/alertmanager.ts), not this file.';

/** alertmanager.yml as it must be now: every alert to the local sink. */
export function localAlertmanagerConfig(): string {
  return renderAlertmanagerConfig(
    { webhookUrl: `http://${localHost}:${localMetricsPorts().alertSink}/alerts` },
    header,
  );
}

/** The webhook sink, run from the repository's TypeScript (the image runs its compiled main.js). */
export function alertSinkCommand(file: string, host: string, port: number): ExporterCommand {
  return {
    binaries: [process.execPath],
    debianPackage: 'nodejs',
    args: ['--import', 'tsx', sinkMain, '--listen', `${host}:${port}`, '--file', file],
    listen: { host, port },
    readyPath: '/-/ready',
  };
}

function processes(): Managed[] {
  const ports = localMetricsPorts();
  const logDir = join(dir(), 'logs');
  return [
    {
      key: 'alert-sink',
      command: alertSinkCommand(notificationsFile(), localHost, ports.alertSink),
      // tsx is found from the repository, wherever the state dir is.
      cwd: repoRoot,
      logDir,
    },
    {
      key: 'alertmanager',
      command: alertmanagerCommand(configFile(), join(dir(), 'data'), localHost, ports.alertmanager),
      inputs: [configFile()],
      cwd: dir(),
      logDir,
    },
  ];
}

async function convergeConfig(run: Run): Promise<void> {
  const wanted = localAlertmanagerConfig();
  await run.converge({
    name: 'config file',
    host: 'alertmanager',
    read: async () => existsSync(configFile()) && readFileSync(configFile(), 'utf8') === wanted,
    diff: (current) => (current ? null : `write ${configFile()}`),
    describe: () => configFile(),
    apply: async () => {
      mkdirSync(dir(), { recursive: true });
      writeFileSync(configFile(), wanted);
      // Alertmanager would refuse a broken file only as it starts: find it now, with the reason.
      const check = await amtool(['check-config', configFile()]);
      if (!check.ok) throw new ToolkitError(`amtool check-config ${configFile()}: ${check.output}`);
    },
  });
}

/**
 * Alertmanager and the webhook sink it notifies (docs/observability.md), when Debian's
 * prometheus-alertmanager is installed; before Prometheus, which sends it its alerts. A changed
 * alertmanager.yml restarts Alertmanager (Prometheus sends the firing alerts again within a minute).
 */
export const alertmanagerComponent: LocalComponent = {
  name: 'alertmanager',

  async up(run: Run): Promise<void> {
    if (!findBinary(alertmanagerBinaries)) {
      await run.check(
        'alertmanager',
        'local',
        async () =>
          'skipped: prometheus-alertmanager is not installed (apt-get install prometheus-alertmanager)',
      );
      return;
    }
    await convergeConfig(run);
    for (const managed of processes()) await convergeProcess(run, managed);
  },

  async down(run: Run, { wipe }): Promise<void> {
    for (const managed of processes().reverse()) await stopManaged(run, managed);
    if (wipe)
      await run.action('files removed', 'alertmanager', `remove ${dir()}`, async () => {
        rmSync(dir(), { recursive: true, force: true });
        return undefined;
      });
  },
};
