// Alerts reach someone: a throwaway Prometheus with our real rules scrapes a throwaway "MySQL exporter"
// (an HTTP server of this test serving the metrics the rules read), sends to a throwaway Alertmanager with
// the renderer's routes, which notifies the alert sink (the local environment's command). Ports: a reserved block.
import { rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePorts } from '../../lib/net.ts';
import { waitFor } from '../../lib/poll.ts';
import { makeTempDir } from '../../lib/temp-dirs.ts';
import { findBinary } from '../host/binaries.ts';
import { isOurs, spawnDetached, stopProcess } from '../host/process.ts';
import { repoRoot } from '../inventory/paths.ts';
import { alertSinkCommand } from '../local/alertmanager-component.ts';
import {
  alertmanagerCommand,
  noMasterInhibits,
  renderAlertmanagerConfig,
} from '../prometheus/alertmanager.ts';
import { renderPrometheusConfig } from '../prometheus/config.ts';
import type { ExporterCommand } from '../prometheus/exporters.ts';
import { prometheusCommand } from '../prometheus/exporters.ts';
import { defaultAlertSettings, renderAlertRules } from '../prometheus/rules.ts';
import { AlertmanagerApi } from './api.ts';
import { readSinkFile, type SinkLine } from './sink/sink.ts';

const host = '127.0.0.1';
let ports: { prometheus: number; alertmanager: number; sink: number; target: number };
const dir = makeTempDir('alerting-');
const sinkFile = join(dir, 'notifications.jsonl');
const started: Array<{ pid: number; marker: string }> = [];
let target: Server;

/** What the throwaway exporter serves now: a read-only node whose SQL thread is stopped. */
const metrics = { readOnly: 1, sqlRunning: 0 };
const exposition = () =>
  [
    'mysql_up 1',
    `mysql_global_variables_read_only ${metrics.readOnly}`,
    'mysql_slave_status_slave_io_running 1',
    `mysql_slave_status_slave_sql_running ${metrics.sqlRunning}`,
    '',
  ].join('\n');

function start(name: string, command: ExporterCommand, cwd: string): void {
  const binary = findBinary(command.binaries);
  if (!binary) throw new Error(`${command.binaries[0]} not installed: npm run setup`);
  const pid = spawnDetached(binary, command.args, { logFile: join(dir, `${name}.log`), cwd });
  started.push({ pid, marker: `${command.listen.host}:${command.listen.port}` });
}

async function answers(port: number, path: string): Promise<true | undefined> {
  const response = await fetch(`http://${host}:${port}${path}`, { signal: AbortSignal.timeout(2000) });
  await response.body?.cancel();
  return response.ok ? true : undefined;
}

const notifications = (): SinkLine[] => readSinkFile(sinkFile);
const alertsIn = (lines: SinkLine[], name: string, status: 'firing' | 'resolved') =>
  lines.flatMap((l) => l.alerts).filter((a) => a.labels.alertname === name && a.status === status);

/** Polls the sink's file until an alert of that name and status is in it; the seconds it took. */
async function notified(name: string, status: 'firing' | 'resolved', since: number, timeoutMs: number) {
  await waitFor(
    async (why) =>
      alertsIn(notifications(), name, status).length ? true : why(`${notifications().length} lines`),
    {
      timeoutMs,
      intervalMs: 250,
      what: `a ${status} ${name} notification in ${sinkFile}`,
    },
  );
  return (Date.now() - since) / 1000;
}

beforeAll(async () => {
  const base = await freePorts(5);
  ports = { prometheus: base + 1, alertmanager: base + 2, sink: base + 3, target: base + 4 };
  target = createServer((_, response) =>
    response.writeHead(200, { 'content-type': 'text/plain' }).end(exposition()),
  );
  await new Promise<void>((resolve) => target.listen(ports.target, host, resolve));
  writeFileSync(
    join(dir, 'alertmanager.yml'),
    renderAlertmanagerConfig(
      {
        webhookUrl: `http://${host}:${ports.sink}/alerts`,
        // The operator's group_wait; updates every 2 s rather than 5 min, so a resolution arrives in seconds.
        timing: { groupWait: '10s', groupInterval: '2s', repeatInterval: '4h' },
      },
      'alerting.db.test.ts',
    ),
  );
  writeFileSync(
    join(dir, 'alerts.yml'),
    renderAlertRules({ ...defaultAlertSettings, maxLagSeconds: 5, slaves: 1, semisync: false }, 'test'),
  );
  writeFileSync(
    join(dir, 'prometheus.yml'),
    renderPrometheusConfig(
      {
        prometheus: [],
        app: [],
        mysql: [{ address: `${host}:${ports.target}`, labels: { node: 'db1' } }],
        redis: [],
        replicator: [],
        textfile: [],
        node: [],
      },
      {
        scrapeIntervalSeconds: 1,
        evaluationIntervalSeconds: 1,
        ruleFiles: ['alerts.yml'],
        alertmanagers: [`${host}:${ports.alertmanager}`],
      },
      'alerting.db.test.ts',
    ),
  );
  start('sink', alertSinkCommand(sinkFile, host, ports.sink), repoRoot);
  start(
    'alertmanager',
    alertmanagerCommand(join(dir, 'alertmanager.yml'), join(dir, 'am'), host, ports.alertmanager),
    dir,
  );
  for (const [port, path] of [
    [ports.sink, '/-/ready'],
    [ports.alertmanager, '/-/ready'],
  ] as const)
    await waitFor(() => answers(port, path), {
      timeoutMs: 60_000,
      intervalMs: 250,
      what: `${host}:${port}${path}`,
    });
});

afterAll(async () => {
  for (const { pid, marker } of started.reverse())
    if (isOurs(pid, marker)) await stopProcess(pid, marker, 15_000);
  await new Promise<void>((resolve) => target.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

describe('a firing alert reaches the sink, its inhibited symptoms do not, and its resolution follows', () => {
  it('MysqlNoWritableMaster: notified within for + scrape + evaluation + group_wait; the replication alert held back', async () => {
    const begun = Date.now();
    start(
      'prometheus',
      prometheusCommand(join(dir, 'prometheus.yml'), join(dir, 'tsdb'), host, ports.prometheus),
      dir,
    );
    // for: 30s, a 1 s scrape and evaluation, group_wait 10 s; 20 s more for Prometheus's start on a busy machine.
    const seconds = await notified(noMasterInhibits.source, 'firing', begun, (30 + 2 + 10 + 20) * 1000);
    expect(seconds).toBeGreaterThanOrEqual(30 + 10);
    const [line] = notifications();
    expect(line).toMatchObject({
      status: 'firing',
      receiver: 'operator-webhook',
      groupLabels: { alertname: 'MysqlNoWritableMaster' },
    });
    expect(line!.alerts[0]!.labels).toMatchObject({ severity: 'critical' });
    expect(line!.alerts[0]!.annotations.runbook).toContain('failover.mjs');
    // The stopped SQL thread fires too (the same for:), but the missing master inhibits it.
    const api = new AlertmanagerApi(`http://${host}:${ports.alertmanager}`);
    const sql = await waitFor(
      async () => (await api.alerts()).find((a) => a.name === 'ReplicationSqlThreadStopped'),
      { timeoutMs: 20_000, intervalMs: 250, what: 'ReplicationSqlThreadStopped in Alertmanager' },
    );
    expect(sql).toMatchObject({ state: 'suppressed', labels: { node: 'db1' } });
    expect(sql.inhibitedBy.length).toBe(1);
    expect(alertsIn(notifications(), 'ReplicationSqlThreadStopped', 'firing')).toEqual([]);
  });

  it('once a master is writable: its resolution is notified, and the replication alert it held back gets through', async () => {
    const fixed = Date.now();
    metrics.readOnly = 0;
    // A scrape and an evaluation, then the next group_interval (2 s); group_wait for the new group.
    const resolved = await notified(noMasterInhibits.source, 'resolved', fixed, 30_000);
    expect(resolved).toBeLessThan(30);
    await notified('ReplicationSqlThreadStopped', 'firing', fixed, 30_000);
    metrics.sqlRunning = 1;
    await notified('ReplicationSqlThreadStopped', 'resolved', Date.now(), 30_000);
    expect(notifications().every((l) => l.receiver === 'operator-webhook')).toBe(true);
  });
});
