import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { delimiter, join, relative } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePorts, probeRabbitmq, probeRedis } from '../../lib/net.ts';
import { waitFor } from '../../lib/poll.ts';
import { makeTempDir } from '../../lib/temp-dirs.ts';
import { isAlive } from '../host/process.ts';
import { repoRoot } from '../inventory/paths.ts';
import type { RunbookReport } from '../procedure/types.ts';
import type { LocalState } from './state.ts';

let stateDir: string;
let env: NodeJS.ProcessEnv;
let ports: {
  mysql: number;
  redis: number;
  rabbitmq: number;
  app: number;
  instances: number;
  tarantool: number;
  clickhouse: number;
  haproxy: number;
  prometheus: number;
  alertmanager: number;
  metrics: number;
};

// README's form: without --silent, npm prints its own banner lines before the output.
async function npmRun(command: 'up' | 'down' | 'status', ...args: string[]) {
  const result = await execa('npm', ['run', '--silent', command, '--', ...args], {
    cwd: repoRoot,
    env,
    reject: false,
  });
  return { code: result.exitCode ?? 1, stdout: result.stdout, stderr: result.stderr };
}

/** Every file or directory under dir that its group or anyone else may read or write. */
function openToOthers(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const path = join(dir, entry);
    const stat = lstatSync(path);
    // A socket's access is its directory's (0700); a symlink has no mode of its own.
    if (stat.isSocket() || stat.isSymbolicLink()) continue;
    const mode = stat.mode & 0o777;
    // The app's own log and its rotated copies are 0640 by design (a log reader group).
    if (/(^|\/)app\.log(\.\d+)?$/.test(entry) && (mode & 0o137) === 0) continue;
    if (mode & 0o077) found.push(`${relative(dir, path)} ${mode.toString(8)}`);
  }
  return found;
}

/** A directory of links to every program on PATH and in sbin except those named, for a PATH without them. */
function pathWithout(dir: string, excluded: RegExp): string {
  mkdirSync(dir, { recursive: true });
  const sources = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/sbin'];
  for (const source of sources.filter((d) => d && existsSync(d)))
    for (const name of readdirSync(source))
      if (!excluded.test(name) && !existsSync(join(dir, name)))
        symlinkSync(join(source, name), join(dir, name));
  return dir;
}

async function state(): Promise<LocalState> {
  return JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8')) as LocalState;
}

beforeAll(async () => {
  stateDir = makeTempDir('toolkit-local-');
  const base = await freePorts(15);
  // Prometheus, and Alertmanager on the next port.
  const [metrics, prometheus] = [await freePorts(20), await freePorts(2)];
  // Redis and RabbitMQ on ports nothing answers on, so `up` starts its own instead of reusing the machine's.
  ports = {
    mysql: base,
    redis: base + 4,
    rabbitmq: base + 5,
    app: base + 6,
    instances: base + 10,
    tarantool: base + 7,
    clickhouse: base + 8,
    haproxy: base + 12,
    prometheus,
    alertmanager: prometheus + 1,
    metrics,
  };
  env = {
    ...process.env,
    CI: 'true',
    TOOLKIT_STATE_DIR: stateDir,
    LOCAL_MYSQL_PORT: String(ports.mysql),
    LOCAL_MYSQL_BUFFER_POOL: '32M',
    LOCAL_REDIS_PORT: String(ports.redis),
    LOCAL_RABBITMQ_PORT: String(ports.rabbitmq),
    LOCAL_APP_PORT: String(ports.app),
    LOCAL_APP_INSTANCE_PORT: String(ports.instances),
    // ClickHouse takes this port for HTTP and the next one for its native protocol.
    LOCAL_TARANTOOL_PORT: String(ports.tarantool),
    LOCAL_CLICKHOUSE_PORT: String(ports.clickhouse),
    // HAProxy's writer, reader and agent: a local environment on this machine holds the defaults.
    LOCAL_HAPROXY_WRITER_PORT: String(ports.haproxy),
    LOCAL_HAPROXY_READER_PORT: String(ports.haproxy + 1),
    LOCAL_HAPROXY_AGENT_PORT: String(ports.haproxy + 2),
    LOCAL_PROMETHEUS_PORT: String(ports.prometheus),
    LOCAL_ALERTMANAGER_PORT: String(ports.alertmanager),
    LOCAL_METRICS_PORT: String(ports.metrics),
    // Scrapes every 2 s, so the check that every target is up waits seconds, not a 15 s interval.
    LOCAL_PROMETHEUS_INTERVAL: '2',
  };
});

afterAll(async () => {
  await npmRun('down');
  rmSync(stateDir, { recursive: true, force: true });
});

describe('npm run up / status / down', () => {
  it('starts a semi-sync master with two slaves, its own Redis and RabbitMQ, and prints what runs where', async () => {
    const up = await npmRun('up');
    expect(up.code, up.stderr).toBe(0);
    // Every package is installed on this machine, so the set-up step says nothing.
    expect(up.stderr).not.toMatch(/^setup:/m);
    expect(up.stdout).toMatch(
      new RegExp(
        `mysql master\\s+db1\\s+127\\.0\\.0\\.1:${ports.mysql}\\s+up\\s+MariaDB .*semi-sync ON, 2/2 clients`,
      ),
    );
    expect(up.stdout).toMatch(/mysql slave\s+db2 .* up .*io Yes, sql Yes.*semi-sync ON/);
    expect(up.stdout).toMatch(new RegExp(`redis\\s+redis\\s+127\\.0\\.0\\.1:${ports.redis}\\s+up\\s+ours`));
    expect(up.stdout).toMatch(
      new RegExp(`rabbitmq\\s+rabbitmq\\s+127\\.0\\.0\\.1:${ports.rabbitmq}\\s+up\\s+ours`),
    );
    for (const [name, port] of [
      ['app', ports.instances],
      ['app-2', ports.instances + 1],
    ] as const)
      expect(up.stdout).toMatch(
        new RegExp(`app\\s+${name}\\s+127\\.0\\.0\\.1:${port}\\s+up\\s+ours, pid \\d+, /ready: ready`),
      );
    expect(up.stdout).toMatch(
      new RegExp(
        `nginx\\s+nginx\\s+127\\.0\\.0\\.1:${ports.app}\\s+up\\s+pid \\d+, over app, app-2; /ready through nginx: ready`,
      ),
    );
    expect(await probeRedis('127.0.0.1', ports.redis)).toBe(true);
    expect(await probeRabbitmq('127.0.0.1', ports.rabbitmq)).toBe(true);
    expect(up.stdout).toMatch(
      new RegExp(`tarantool\\s+tarantool\\s+127\\.0\\.0\\.1:${ports.tarantool}\\s+up`),
    );
    expect(up.stdout).toMatch(/tarantool\s+replicator\s+.*\s+up\s+.*caught up/);
    expect(up.stdout).toMatch(
      new RegExp(`clickhouse\\s+clickhouse\\s+127\\.0\\.0\\.1:${ports.clickhouse}\\s+up`),
    );
    // Prometheus scrapes both app instances, one exporter per MySQL node, Redis's, the replicator and
    // the textfile collector, and itself: every target up, seen through its HTTP API.
    expect(up.stdout).toMatch(
      new RegExp(
        `prometheus\\s+prometheus\\s+127\\.0\\.0\\.1:${ports.prometheus}\\s+up\\s+pid \\d+, 9/9 targets up`,
      ),
    );
    // Alertmanager beside it, where it sends its alerts.
    expect(up.stdout).toMatch(
      new RegExp(
        `alertmanager\\s+alertmanager\\s+127\\.0\\.0\\.1:${ports.alertmanager}\\s+up\\s+pid \\d+, no alert firing`,
      ),
    );
    const targets = (await (await fetch(`http://127.0.0.1:${ports.prometheus}/api/v1/targets`)).json()) as {
      data: { activeTargets: Array<{ labels: Record<string, string>; health: string }> };
    };
    expect(targets.data.activeTargets.map((t) => `${t.labels.job} ${t.health}`).sort()).toEqual([
      'app up',
      'app up',
      'mysql up',
      'mysql up',
      'mysql up',
      'prometheus up',
      'redis up',
      'replicator up',
      'textfile up',
    ]);
    // The app's metrics are on their own port, not on the public one nginx serves.
    expect((await fetch(`http://127.0.0.1:${ports.app}/metrics`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${ports.metrics}/metrics`)).status).toBe(200);
    const ready = await fetch(`http://127.0.0.1:${ports.app}/ready`);
    expect(ready.status).toBe(200);
    expect(existsSync(join(stateDir, 'app', 'app.log'))).toBe(true);
    expect(existsSync(join(stateDir, 'app-2', 'app.log'))).toBe(true);
    // 0640 at most: the app asks for 0640, the umask of up may make it stricter.
    expect(lstatSync(join(stateDir, 'app', 'app.log')).mode & 0o137).toBe(0);
    expect(lstatSync(join(stateDir, 'tarantool')).isDirectory()).toBe(true);
    expect(openToOthers(stateDir)).toEqual([]);
    // The first up starts and seeds everything: 86 s measured on two cores shared with other test runs.
  }, 240_000);

  it("changes nothing on a second up, README's --json form prints one JSON object, and the runbooks agree", async () => {
    expect(readFileSync(join(repoRoot, 'README.md'), 'utf8')).toContain('`npm run --silent up -- --json`');
    const again = await npmRun('up', '--json');
    expect(again.code, again.stderr).toBe(0);
    // JSON.parse rejects anything before or after the one value, such as npm's banner.
    const report = JSON.parse(again.stdout) as RunbookReport;
    expect(report).toMatchObject({ runbook: 'up', env: 'local' });
    expect(report.changed).toBe(0);
    for (const runbook of ['replication', 'semisync']) {
      const result = await execa('npx', ['zx', `scripts/${runbook}.mjs`, '--json'], {
        cwd: repoRoot,
        env,
        reject: false,
      });
      expect(result.exitCode, result.stderr).toBe(0);
      expect((JSON.parse(result.stdout) as RunbookReport).changed).toBe(0);
    }
    const status = await npmRun('status');
    expect(status.code, status.stdout).toBe(0);
  });

  it('reports Tarantool and ClickHouse as skipped, not down, on a machine without them', async () => {
    const bin = pathWithout(join(stateDir, 'bin-without'), /^(tarantool|clickhouse)/);
    const saved = env;
    env = { ...saved, PATH: bin, TOOLKIT_SBIN_DIRS: '' };
    try {
      const status = await npmRun('status');
      expect(status.code, status.stdout).toBe(0);
      expect(status.stdout).toMatch(/tarantool\s+tarantool\s+-\s+skipped\s+tarantool is not installed/);
      expect(status.stdout).toMatch(
        /clickhouse\s+clickhouse\s+-\s+skipped\s+clickhouse-server is not installed/,
      );
    } finally {
      env = saved;
      rmSync(bin, { recursive: true, force: true });
    }
  });

  it('reports a killed slave as down, and up repairs it', async () => {
    const db3 = (await state()).mysql.nodes.find((n) => n.name === 'db3')!;
    process.kill(db3.pid!, 'SIGKILL');
    await waitFor(async () => (isAlive(db3.pid) ? undefined : true), {
      timeoutMs: 10_000,
      what: 'db3 to die',
    });
    const status = await npmRun('status', '--json');
    expect(status.code).toBe(1);
    const parsed = JSON.parse(status.stdout) as {
      healthy: boolean;
      components: Array<{ name: string; health: string }>;
    };
    expect(parsed.healthy).toBe(false);
    expect(parsed.components.find((c) => c.name === 'db3')?.health).toBe('down');
    const repair = await npmRun('up', '--json');
    expect(repair.code, repair.stderr).toBe(0);
    const changed = (JSON.parse(repair.stdout) as RunbookReport).steps
      .filter((s) => s.status === 'changed')
      .map((s) => `${s.name}@${s.host}`);
    expect(changed).toContain('running@db3');
    expect((await npmRun('status')).code).toBe(0);
  });

  it('after a failover, up converges within its deadline: the old master stays fenced, the replicator follows the new master; a second up changes nothing', async () => {
    const db1 = (await state()).mysql.nodes.find((n) => n.name === 'db1')!;
    process.kill(db1.pid!, 'SIGKILL');
    await waitFor(async () => (isAlive(db1.pid) ? undefined : true), {
      timeoutMs: 10_000,
      what: 'db1 to die',
    });
    const failover = await execa('npx', ['zx', 'scripts/failover.mjs', '--json'], {
      cwd: repoRoot,
      env,
      reject: false,
    });
    expect(failover.exitCode, failover.stdout + failover.stderr).toBe(0);
    const promoted = (await state()).mysql.master;
    expect(promoted).not.toBe('db1');
    expect((await state()).mysql.fenced).toEqual(['db1']);

    const started = Date.now();
    const up = await npmRun('up', '--json');
    const seconds = (Date.now() - started) / 1000;
    expect(up.code, up.stdout.slice(-2000) + up.stderr).toBe(0);
    // Issue #12 saw this up hang for more than 5 minutes on the replicator step.
    expect(seconds).toBeLessThan(180);
    const report = JSON.parse(up.stdout) as RunbookReport;
    const changed = report.steps.filter((s) => s.status === 'changed').map((s) => `${s.name}@${s.host}`);
    // The fenced node is started again (read-only by its option file), never made a slave or a master.
    expect(changed).toContain('running@db1');
    expect(changed.filter((c) => c.endsWith('@db1') && c !== 'running@db1')).toEqual([]);
    const replicator = report.steps.find((s) => s.name === 'replicator' && s.host === 'local');
    const masterPort = (await state()).mysql.nodes.find((n) => n.name === promoted)!.port;
    const haproxy = (await state()).haproxy;
    // Through HAProxy's writer endpoint the replicator follows the new master by itself (same address);
    // reading a node directly, up must restart it on the new master.
    const writer = haproxy ? `${haproxy.host}:${haproxy.writerPort}` : `127.0.0.1:${masterPort}`;
    if (!haproxy) {
      expect(replicator?.status).toBe('changed');
      expect(replicator?.detail).toContain(`on the writer ${writer}: it reads 127.0.0.1:${ports.mysql}`);
    }
    expect(report.steps.find((s) => s.name === 'caught up' && s.host === 'replicator')?.detail).toMatch(
      /caught up/,
    );
    expect((await state()).mysql.fenced).toEqual(['db1']);
    expect((await state()).services.replicator?.source).toBe(writer);

    const status = JSON.parse((await npmRun('status', '--json')).stdout) as {
      components: Array<{ name: string; component: string; health: string; detail: string }>;
    };
    const fenced = status.components.find((c) => c.name === 'db1');
    expect(fenced).toMatchObject({ component: 'mysql fenced', health: 'up' });
    expect(fenced?.detail).toMatch(/^fenced former master, read_only/);

    const again = await npmRun('up', '--json');
    expect(again.code, again.stderr).toBe(0);
    expect((JSON.parse(again.stdout) as RunbookReport).changed).toBe(0);
  }, 480_000);

  it('stops everything it started, keeps the data, and a second down changes nothing', async () => {
    const before = await state();
    const down = await npmRun('down', '--json');
    expect(down.code, down.stderr).toBe(0);
    for (const node of before.mysql.nodes) expect(isAlive(node.pid)).toBe(false);
    expect(isAlive(before.services.redis?.pid)).toBe(false);
    expect(isAlive(before.services.rabbitmq?.pid)).toBe(false);
    expect(isAlive(before.services.app?.pid)).toBe(false);
    expect(isAlive(before.services['app-2']?.pid)).toBe(false);
    expect(isAlive(before.services.nginx?.pid)).toBe(false);
    expect(isAlive(before.services.tarantool?.pid)).toBe(false);
    expect(isAlive(before.services.clickhouse?.pid)).toBe(false);
    for (const service of Object.values(before.monitoring ?? {})) expect(isAlive(service.pid)).toBe(false);
    // Prometheus, three mysqld-exporters, the Redis exporter, the textfile collector, Alertmanager and its sink.
    expect(Object.keys(before.monitoring ?? {}).sort()).toEqual([
      'alert-sink',
      'alertmanager',
      'mysqld-exporter db1',
      'mysqld-exporter db2',
      'mysqld-exporter db3',
      'prometheus',
      'redis-exporter',
      'textfile-exporter',
    ]);
    expect(await probeRedis('127.0.0.1', ports.redis)).toBe(false);
    expect(existsSync(join(stateDir, 'mysql', 'db1', 'data', 'mysql'))).toBe(true);
    const again = await npmRun('down', '--json');
    expect((JSON.parse(again.stdout) as RunbookReport).changed).toBe(0);
    const status = await npmRun('status');
    expect(status.code).toBe(1);
  });
});
