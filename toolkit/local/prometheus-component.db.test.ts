import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePorts } from '../../lib/net.ts';
import { waitFor } from '../../lib/poll.ts';
import { readSinkFile } from '../alerts/sink/sink.ts';
import { isAlive } from '../host/process.ts';
import { repoRoot } from '../inventory/paths.ts';
import { type AlertState, PrometheusApi } from '../prometheus/api.ts';
import { alertmanagerComponent, notificationsFile } from './alertmanager-component.ts';
import { prometheusComponent as component } from './prometheus-component.ts';
import { loadState } from './state.ts';
import { localStatus } from './status.ts';
import { quietRun, runRunbook, startTestCluster, type TestCluster } from './testing.ts';

// A real local environment's MySQL (master, two semi-sync slaves) with Prometheus and its exporters,
// scraping and evaluating every second so an alert's `for:` dominates the wait; Alertmanager and its
// sink as `up` starts them before Prometheus.
const interval = 1;
/** ReplicationSqlThreadStopped's and SemiSyncMasterOff's `for:` (toolkit/prometheus/rules.ts). */
const forSeconds = 30;

let cluster: TestCluster;
let api: PrometheusApi;

beforeAll(async () => {
  // Prometheus, and Alertmanager on the next port.
  const [metricsBase, prometheusPort] = [await freePorts(20), await freePorts(2)];
  Object.assign(process.env, {
    LOCAL_METRICS_PORT: String(metricsBase),
    LOCAL_PROMETHEUS_PORT: String(prometheusPort),
    LOCAL_ALERTMANAGER_PORT: String(prometheusPort + 1),
    LOCAL_PROMETHEUS_INTERVAL: String(interval),
  });
  cluster = await startTestCluster({ slaves: 2 });
  Object.assign(cluster.env, {
    LOCAL_METRICS_PORT: String(metricsBase),
    LOCAL_PROMETHEUS_PORT: String(prometheusPort),
  });
  const run = quietRun('prometheus-up');
  try {
    await alertmanagerComponent.up(run);
    await component.up(run);
  } finally {
    await run.close();
  }
  expect(run.report().steps.filter((s) => s.status === 'failed')).toEqual([]);
  api = new PrometheusApi(`http://127.0.0.1:${prometheusPort}`);
}, 300_000);

afterAll(async () => {
  const pids = Object.values(loadState().monitoring ?? {}).map((s) => s.pid);
  if (cluster) {
    await component.down(quietRun('prometheus-down'), { wipe: true });
    await alertmanagerComponent.down(quietRun('alertmanager-down'), { wipe: true });
  }
  // Every process it started is gone, found by the pids it recorded.
  for (const pid of pids) expect(isAlive(pid)).toBe(false);
  await cluster?.stop();
}, 120_000);

const firing = async (name: string): Promise<AlertState[]> =>
  (await api.alerts()).filter((a) => a.name === name && a.state === 'firing');

/** Seconds from now until the alert fires, within `deadline` seconds. */
async function secondsUntilFiring(name: string, labels: Record<string, string>, deadline: number) {
  const started = Date.now();
  await waitFor(
    async (why) => {
      const alerts = (await firing(name)).filter((a) =>
        Object.entries(labels).every(([k, v]) => a.labels[k] === v),
      );
      if (alerts.length) return true;
      why(`alerts now: ${JSON.stringify((await api.alerts()).map((a) => `${a.name} ${a.state}`))}`);
      return undefined;
    },
    { timeoutMs: deadline * 1000, intervalMs: 250, what: `${name} to fire` },
  );
  return (Date.now() - started) / 1000;
}

/**
 * Prometheus's own alerts page in headless Chromium, as an operator sees it, into test-results/screenshots/
 * (gitignored; docs/screenshots/prometheus-alerts.png is the copy the README shows).
 */
async function screenshotAlerts(): Promise<void> {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    // Debian's Prometheus serves its classic UI only.
    await page.goto(`${api.base}/classic/alerts`);
    await page.getByText('Show annotations').click();
    await page.getByText('ReplicationSqlThreadStopped').first().click();
    await page.getByText('Slave db2: SQL thread not running').first().waitFor();
    const dir = join(repoRoot, 'test-results', 'screenshots');
    mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: join(dir, 'prometheus-alerts.png'), fullPage: true });
  } finally {
    await browser.close();
  }
}

async function untilResolved(name: string, deadline: number): Promise<void> {
  await waitFor(async () => ((await api.alerts()).some((a) => a.name === name) ? undefined : true), {
    timeoutMs: deadline * 1000,
    intervalMs: 250,
    what: `${name} to resolve`,
  });
}

describe('Prometheus in the local environment', () => {
  it('scrapes one mysqld-exporter per node, the Redis exporter and the textfile collector, all up', async () => {
    const targets = await api.targets();
    expect(
      targets
        .filter((t) => t.job === 'mysql')
        .map((t) => t.labels.node)
        .sort(),
    ).toEqual(['db1', 'db2', 'db3']);
    expect(targets.map((t) => t.job).sort()).toEqual([
      'mysql',
      'mysql',
      'mysql',
      'prometheus',
      'redis',
      'textfile',
    ]);
    expect(targets.filter((t) => t.health !== 'up')).toEqual([]);
    // The exporters read what the rules need through their least-privilege account.
    const up = await api.query('mysql_up');
    expect(up.map((s) => s.value)).toEqual([1, 1, 1]);
    expect(
      (await api.query('mysql_slave_status_slave_sql_running')).map((s) => s.labels.node).sort(),
    ).toEqual(['db2', 'db3']);
    expect((await api.query('mysql_global_status_rpl_semi_sync_master_clients{node="db1"}'))[0]?.value).toBe(
      2,
    );
  });

  it('keeps the exporter logins in owner-only files and off every command line', async () => {
    const dir = join(cluster.stateDir, 'prometheus', 'exporters');
    const secrets = JSON.parse(readFileSync(join(cluster.stateDir, 'secrets.json'), 'utf8')) as Record<
      string,
      string
    >;
    const password = secrets['mysql-exporter']!;
    expect(statSync(join(dir, 'db1.cnf')).mode & 0o777).toBe(0o600);
    for (const service of Object.values(loadState().monitoring ?? {}))
      expect(readFileSync(`/proc/${service.pid}/cmdline`, 'utf8')).not.toContain(password);
    const master = await cluster.session('db1');
    const grants = (await master.query("SHOW GRANTS FOR 'exporter'@'%'")).map((r) =>
      String(Object.values(r)[0]),
    );
    expect(grants.join('\n')).toMatch(/^GRANT SLAVE MONITOR ON \*\.\* TO `exporter`@`%`/m);
    expect(grants.join('\n')).not.toMatch(/PROCESS|SELECT|SUPER/);
  });

  it('a second up changes nothing', async () => {
    const run = quietRun('prometheus-up-again');
    await alertmanagerComponent.up(run);
    await component.up(run);
    await run.close();
    expect(run.report().steps.filter((s) => s.status !== 'ok')).toEqual([]);
  }, 120_000);

  it("fires ReplicationSqlThreadStopped within for: plus a scrape of a slave's SQL thread stopping; replication.mjs resolves it", async () => {
    await waitFor(async () => ((await api.alerts()).length === 0 ? true : undefined), {
      timeoutMs: 60_000,
      what: 'no alert pending or firing before the fault',
    });
    const slave = await cluster.session('db2');
    await slave.exec('STOP SLAVE SQL_THREAD');
    // for: plus one scrape and one evaluation, and a few seconds for a loaded machine.
    const seconds = await secondsUntilFiring('ReplicationSqlThreadStopped', { node: 'db2' }, forSeconds + 20);
    expect(seconds).toBeGreaterThanOrEqual(forSeconds);
    expect(seconds).toBeLessThan(forSeconds + 2 * interval + 8);
    expect((await firing('ReplicationSqlThreadStopped')).map((a) => a.labels.node)).toEqual(['db2']);
    // Prometheus sends it to Alertmanager, which notifies the sink after group_wait (10 s).
    const notified = await waitFor(
      async () => {
        return readSinkFile(notificationsFile()).find(
          (l) => l.groupLabels.alertname === 'ReplicationSqlThreadStopped',
        );
      },
      { timeoutMs: 30_000, intervalMs: 250, what: `ReplicationSqlThreadStopped in ${notificationsFile()}` },
    );
    expect(notified).toMatchObject({ status: 'firing', receiver: 'operator-webhook' });
    expect(notified.alerts.map((a) => a.labels.node)).toEqual(['db2']);
    expect(statSync(notificationsFile()).mode & 0o077).toBe(0);
    await screenshotAlerts();

    const repaired = await runRunbook('replication', ['--json'], cluster.env);
    expect(repaired.code, repaired.stderr).toBe(0);
    await untilResolved('ReplicationSqlThreadStopped', 3 * interval + 10);
  }, 180_000);

  it('fires SemiSyncMasterOff when the master turns semi-sync off; semisync.mjs resolves it', async () => {
    const master = await cluster.session('db1');
    await master.exec('SET GLOBAL rpl_semi_sync_master_enabled = OFF');
    const seconds = await secondsUntilFiring('SemiSyncMasterOff', { node: 'db1' }, forSeconds + 20);
    expect(seconds).toBeLessThan(forSeconds + 2 * interval + 8);

    const repaired = await runRunbook('semisync', ['--json'], cluster.env);
    expect(repaired.code, repaired.stderr).toBe(0);
    await untilResolved('SemiSyncMasterOff', 3 * interval + 10);
  }, 180_000);

  it('shows as a status row', async () => {
    const [row] = await localStatus(['prometheus']);
    expect(row).toMatchObject({ component: 'prometheus', health: 'up' });
    expect(row?.detail).toMatch(/^pid \d+, 6\/6 targets up, no alert firing$/);
    const [alertmanager] = await localStatus(['alertmanager']);
    expect(alertmanager).toMatchObject({ component: 'alertmanager', health: 'up' });
    expect(alertmanager?.detail).toMatch(/^pid \d+, (no alert firing|firing: )/);
  });
});
