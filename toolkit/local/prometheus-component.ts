import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { portOpen } from '../../lib/net.ts';
import { waitFor } from '../../lib/poll.ts';
import { findBinary } from '../host/binaries.ts';
import { isOurs, spawnDetached, stopProcess } from '../host/process.ts';
import { stateDir } from '../inventory/paths.ts';
import type { Inventory } from '../inventory/schema.ts';
import { resolveSecret } from '../inventory/secrets.ts';
import { ToolkitError } from '../procedure/errors.ts';
import type { Run } from '../procedure/run.ts';
import { alertmanagerBinaries } from '../prometheus/alertmanager.ts';
import { PrometheusApi } from '../prometheus/api.ts';
import { renderPrometheusConfig, type ScrapeTargets } from '../prometheus/config.ts';
import {
  type ExporterCommand,
  mysqldExporterCnf,
  mysqldExporterCommand,
  prometheusCommand,
  redisExporterCommand,
  textfileExporterCommand,
} from '../prometheus/exporters.ts';
import { promtool } from '../prometheus/promtool.ts';
import { defaultAlertSettings, renderAlertRules } from '../prometheus/rules.ts';
import type { LocalComponent } from './component.ts';
import { localHost, localInventory } from './inventory.ts';
import { localMetricsPorts, localPrometheusInterval } from './metrics-ports.ts';
import { serviceDir } from './service.ts';
import { type LocalService, type LocalState, loadState, updateState } from './state.ts';

const dir = () => serviceDir('prometheus');
const configFile = () => join(dir(), 'prometheus.yml');
const rulesFile = () => join(dir(), 'alerts.yml');
/** Where the ClickHouse load leaves its last run's metrics (toolkit/clickhouse/load-metrics.ts). */
export const textfileDir = () => join(stateDir(), 'textfile');

export interface Managed {
  key: string;
  command: ExporterCommand;
  /** Files it reads at start: a change of one restarts it. */
  inputs?: string[];
  /** Its working directory and where its log goes (Prometheus's folder unless said). */
  cwd?: string;
  logDir?: string;
}

/** The listen argument identifies the process as ours: its port is this environment's alone. */
const markerOf = (command: ExporterCommand) => `${command.listen.host}:${command.listen.port}`;

function exporters(state: LocalState, inventory: Inventory): Managed[] {
  const ports = localMetricsPorts();
  const managed: Managed[] = state.mysql.nodes.map((node, index) => {
    const cnf = join(dir(), 'exporters', `${node.name}.cnf`);
    return {
      key: `mysqld-exporter ${node.name}`,
      command: mysqldExporterCommand(cnf, localHost, ports.mysqlExporter(index)),
      inputs: [cnf],
    };
  });
  managed.push({
    key: 'redis-exporter',
    command: redisExporterCommand(inventory.redis, localHost, ports.redisExporter),
  });
  managed.push({
    key: 'textfile-exporter',
    command: textfileExporterCommand(textfileDir(), localHost, ports.textfile),
  });
  return managed;
}

/** Every target, with the labels alerts name them by: the node, the app instance. */
export function localScrapeTargets(state: LocalState, inventory: Inventory): ScrapeTargets {
  const ports = localMetricsPorts();
  const address = (port: number) => `${localHost}:${port}`;
  const apps = (['app', 'app-2'] as const).filter((name) => state.services[name]);
  return {
    prometheus: [{ address: address(ports.prometheus), labels: {} }],
    app: apps.map((name) => ({
      address: address(ports.app[name === 'app' ? 0 : 1]),
      labels: { instance_name: name },
    })),
    mysql: state.mysql.nodes.map((node, index) => ({
      address: address(ports.mysqlExporter(index)),
      labels: { node: node.name },
    })),
    redis: [{ address: address(ports.redisExporter), labels: {} }],
    replicator: inventory.tarantool ? [{ address: address(ports.replicator), labels: {} }] : [],
    textfile: [{ address: address(ports.textfile), labels: {} }],
    // The operator's own machine: its CPU and disks are not the environment's to alert on.
    node: [],
  };
}

const header = (what: string) =>
  `${what} of the local environment, rendered by toolkit/local/prometheus-component.ts from the\nlocal inventory on every \`npm run up\`: change the renderer, not this file.`;

/** prometheus.yml and alerts.yml as they must be now. */
export function localPrometheusFiles(
  state: LocalState,
  inventory: Inventory,
): { config: string; rules: string } {
  const interval = localPrometheusInterval();
  return {
    config: renderPrometheusConfig(
      localScrapeTargets(state, inventory),
      {
        scrapeIntervalSeconds: interval,
        evaluationIntervalSeconds: interval,
        ruleFiles: ['alerts.yml'],
        // Where `up` runs Alertmanager (alertmanager-component.ts), when it is installed.
        alertmanagers: findBinary(alertmanagerBinaries)
          ? [`${localHost}:${localMetricsPorts().alertmanager}`]
          : [],
      },
      header("Prometheus's scrape config"),
    ),
    rules: renderAlertRules(
      {
        ...defaultAlertSettings,
        maxLagSeconds: inventory.mysql.maxLagSeconds ?? 5,
        slaves: inventory.mysql.slaves.length,
        semisync: inventory.mysql.semisync !== undefined,
      },
      header('Alert rules'),
    ),
  };
}

function hashOf(command: ExporterCommand, inputs: string[] = []): string {
  const hash = createHash('sha256').update(JSON.stringify(command.args));
  for (const file of inputs) hash.update(existsSync(file) ? readFileSync(file) : '');
  return hash.digest('hex').slice(0, 16);
}

function known(key: string): LocalService | undefined {
  return loadState().monitoring?.[key];
}

function record(key: string, service: LocalService | undefined): void {
  updateState((state) => {
    state.monitoring ??= {};
    if (service) state.monitoring[key] = service;
    else delete state.monitoring[key];
  });
}

async function answers(command: ExporterCommand): Promise<boolean> {
  const { host, port } = command.listen;
  try {
    const response = await fetch(`http://${host}:${port}${command.readyPath}`, {
      signal: AbortSignal.timeout(3000),
    });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

/** Keeps one process running with exactly its command and inputs: started, or restarted when they changed. */
export async function convergeProcess(run: Run, managed: Managed): Promise<void> {
  const { key, command, inputs } = managed;
  const marker = markerOf(command);
  const configHash = hashOf(command, inputs);
  const logDir = managed.logDir ?? join(dir(), 'logs');
  const logFile = join(logDir, `${key.replace(/\s+/g, '-')}.log`);
  await run.converge({
    name: 'running',
    host: key,
    read: async () => {
      const service = known(key);
      return {
        pid: service?.pid,
        ours: isOurs(service?.pid, marker),
        stale: service?.configHash !== configHash,
      };
    },
    diff: (s) => {
      if (!s.ours) return `start ${key} on ${marker}`;
      return s.stale ? `restart ${key} (pid ${s.pid}): its command or option file changed` : null;
    },
    describe: (s) => `pid ${s.pid} on ${marker}`,
    apply: async (s) => {
      if (s.ours) await stopProcess(s.pid!, marker, 15_000);
      else if (await portOpen(command.listen.host, command.listen.port))
        throw new ToolkitError(
          `${marker} is taken by another process: set LOCAL_METRICS_PORT, LOCAL_PROMETHEUS_PORT or LOCAL_ALERTMANAGER_PORT`,
        );
      const binary = findBinary(command.binaries);
      if (!binary)
        throw new ToolkitError(`${command.binaries[0]} not found: apt-get install ${command.debianPackage}`);
      mkdirSync(logDir, { recursive: true });
      const pid = spawnDetached(binary, command.args, { logFile, cwd: managed.cwd ?? dir() });
      record(key, { host: command.listen.host, port: command.listen.port, owned: true, pid, configHash });
      await waitFor(
        async () => {
          if (!isOurs(pid, marker)) throw new ToolkitError(`${key} exited during start: see ${logFile}`);
          return (await answers(command)) ? true : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 250, what: `${key} on ${marker}` },
      );
    },
    verify: async () => `pid ${known(key)?.pid}, ${command.readyPath} answers on ${marker}`,
  });
}

/** Writes a file only when its content differs (0600: an exporter's login is in it); true when it did. */
function writeIfChanged(file: string, content: string): boolean {
  if (existsSync(file) && readFileSync(file, 'utf8') === content) return false;
  writeFileSync(file, content, { mode: 0o600 });
  chmodSync(file, 0o600);
  return true;
}

async function convergeFiles(run: Run, state: LocalState, inventory: Inventory): Promise<void> {
  const exporter = inventory.mysql.exporter;
  if (!exporter) throw new ToolkitError('the local inventory names no mysql.exporter account');
  const files: Array<[string, () => string]> = state.mysql.nodes.map((node) => [
    join(dir(), 'exporters', `${node.name}.cnf`),
    () =>
      mysqldExporterCnf({
        user: exporter.user,
        password: resolveSecret(exporter.password),
        host: localHost,
        port: node.port,
      }),
  ]);
  const { config, rules } = localPrometheusFiles(state, inventory);
  files.push([rulesFile(), () => rules], [configFile(), () => config]);
  await run.converge({
    name: 'config files',
    host: 'prometheus',
    read: async () =>
      files.filter(([file, content]) => !existsSync(file) || readFileSync(file, 'utf8') !== content()),
    diff: (stale) => (stale.length ? `write ${stale.map(([f]) => f).join(', ')}` : null),
    describe: () => `${configFile()}, ${rulesFile()} and each node's exporter login (0600)`,
    apply: async (stale) => {
      mkdirSync(join(dir(), 'exporters'), { recursive: true, mode: 0o700 });
      mkdirSync(textfileDir(), { recursive: true });
      for (const [file, content] of stale) writeIfChanged(file, content());
      // Prometheus refuses a broken file only at its next reload: find it now, with the reason.
      const check = await promtool(['check', 'config', configFile()]);
      if (!check.ok) throw new ToolkitError(`promtool check config ${configFile()}: ${check.output}`);
    },
  });
}

const fileHash = (file: string) =>
  createHash('sha256')
    .update(existsSync(file) ? readFileSync(file) : '')
    .digest('hex')
    .slice(0, 16);

/**
 * Prometheus reloads a changed config or rules file on SIGHUP; its own metrics say whether the reload
 * took. The hash of what it last loaded is kept in the state, so an unchanged file is not reloaded.
 */
async function reloadPrometheus(run: Run, api: PrometheusApi): Promise<void> {
  const wanted = () => `${fileHash(configFile())}${fileHash(rulesFile())}`;
  const reloads = async () =>
    (await api.query('prometheus_config_last_reload_success_timestamp_seconds'))[0]?.value ?? 0;
  await run.converge({
    name: 'config loaded',
    host: 'prometheus',
    read: async () => known('prometheus')?.source,
    diff: (loaded) => (loaded === wanted() ? null : 'reload the changed config and rules (SIGHUP)'),
    describe: () => `${configFile()} and ${rulesFile()} in effect`,
    apply: async () => {
      const before = await reloads();
      const service = known('prometheus')!;
      process.kill(service.pid!, 'SIGHUP');
      await waitFor(async () => ((await reloads()) > before ? true : undefined), {
        timeoutMs: 30_000,
        intervalMs: 250,
        what: `Prometheus to reload ${configFile()} (see ${join(dir(), 'logs')})`,
      });
      const [ok] = await api.query('prometheus_config_last_reload_successful');
      if (ok?.value !== 1)
        throw new ToolkitError(`Prometheus refused ${configFile()}: see ${join(dir(), 'logs')}`);
      record('prometheus', { ...service, source: wanted() });
    },
  });
}

function prometheusProcess(): Managed {
  const port = localMetricsPorts().prometheus;
  return {
    key: 'prometheus',
    command: prometheusCommand(configFile(), join(dir(), 'data'), localHost, port),
  };
}

/** Stops a process `up` started (by its recorded pid, if still ours) and forgets it. */
export async function stopManaged(run: Run, { key, command }: Managed): Promise<void> {
  const service = known(key);
  const marker = markerOf(command);
  await run.converge({
    name: 'stopped',
    host: key,
    read: async () => isOurs(service?.pid, marker),
    diff: (ours) => (ours ? `stop pid ${service?.pid}` : null),
    describe: () => 'not running',
    apply: async () => {
      await stopProcess(service!.pid!, marker, 30_000);
    },
    verify: async () =>
      isOurs(service?.pid, marker) ? Promise.reject(new Error('still running')) : 'stopped',
  });
  if (!run.dryRun) record(key, undefined);
}

/**
 * Prometheus and its exporters (docs/observability.md), when Debian's prometheus is installed: one
 * mysqld-exporter per node with the exporter account, the Redis exporter, node_exporter's textfile
 * collector, and Prometheus over them, the app instances and the replicator, with the alert rules.
 * Last in start order: every target it scrapes is up by then.
 */
export const prometheusComponent: LocalComponent = {
  name: 'prometheus',

  async up(run: Run): Promise<void> {
    if (!findBinary(['prometheus'])) {
      await run.check(
        'prometheus',
        'local',
        async () => 'skipped: prometheus is not installed (apt-get install prometheus)',
      );
      return;
    }
    const state = loadState();
    const inventory = localInventory(state);
    await convergeFiles(run, state, inventory);
    for (const managed of exporters(state, inventory)) await convergeProcess(run, managed);
    const prometheus = prometheusProcess();
    const wasRunning = isOurs(known('prometheus')?.pid, markerOf(prometheus.command));
    await convergeProcess(run, prometheus);
    const api = new PrometheusApi(`http://${localHost}:${prometheus.command.listen.port}`);
    // A process started just now read the current files.
    if (!wasRunning && !run.dryRun)
      record('prometheus', {
        ...known('prometheus')!,
        source: `${fileHash(configFile())}${fileHash(rulesFile())}`,
      });
    await reloadPrometheus(run, api);
    await run.verify('targets up', 'prometheus', async () => {
      let last: string[] = [];
      await waitFor(
        async (why) => {
          const targets = await api.targets();
          last = targets
            .filter((t) => t.health !== 'up')
            .map((t) => `${t.job} ${t.instance} ${t.health} ${t.lastError}`.trim());
          if (targets.length && last.length === 0) return true;
          why(last.join('; ') || 'no targets yet');
          return undefined;
        },
        {
          timeoutMs: (localPrometheusInterval() * 2 + 30) * 1000,
          intervalMs: 500,
          what: 'every Prometheus target to be up',
        },
      );
      return `${(await api.targets()).length} targets up`;
    });
  },

  async down(run: Run, { wipe }): Promise<void> {
    const state = loadState();
    for (const managed of [prometheusProcess(), ...exporters(state, localInventory(state))])
      await stopManaged(run, managed);
    if (wipe)
      await run.action('files removed', 'prometheus', `remove ${dir()} and ${textfileDir()}`, async () => {
        rmSync(dir(), { recursive: true, force: true });
        rmSync(textfileDir(), { recursive: true, force: true });
        return undefined;
      });
  },
};
