import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type TestRedis } from '../../app/test-support/redis.ts';
import { waitFor } from '../../lib/poll.ts';
import { makeTempDir } from '../../lib/temp-dirs.ts';
import { repoRoot } from '../inventory/paths.ts';
import { readLocalSecrets } from '../inventory/secrets.ts';
import { startTestCluster, type TestCluster } from '../local/testing.ts';
import { StatusReport } from './report.ts';

// A throwaway environment "st": an inventory in its own environments dir that points at servers this
// file starts (MySQL master and two slaves, Redis) and at the machine's RabbitMQ (as the app's tests do).
let cluster: TestCluster;
let redis: TestRedis;
let env: NodeJS.ProcessEnv;
let adminPassword: string;
let environmentsDir: string;
// ajv-formats is CommonJS: its default export is the module object under ESM (as in app/test-support/contract.ts).
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;
const validReport = addFormats(new Ajv({ strict: false })).compile(StatusReport);

beforeAll(async () => {
  cluster = await startTestCluster({ slaves: 2 });
  redis = await startRedis();
  const inventory = cluster.inventory();
  adminPassword = readLocalSecrets()['mysql-admin']!;
  const node = (n: { name: string; port: number }) => `{ name: ${n.name}, host: 127.0.0.1, port: ${n.port} }`;
  const dir = makeTempDir('toolkit-status-env-');
  environmentsDir = dir;
  writeFileSync(
    join(dir, 'st.yaml'),
    `mysql:
  database: app
  master: ${node(inventory.mysql.master)}
  slaves: [${inventory.mysql.slaves.map(node).join(', ')}]
  admin: { user: admin, password: env:ST_MYSQL_ADMIN }
  replication: { user: repl, password: env:ST_MYSQL_REPL }
  app: { user: app, password: env:ST_MYSQL_APP }
  maxLagSeconds: 5
redis: { host: 127.0.0.1, port: ${redis.port} }
rabbitmq: { host: 127.0.0.1, port: 5672, credential: { user: guest, password: env:ST_RABBITMQ } }
`,
  );
  env = {
    ...process.env,
    TOOLKIT_ENVIRONMENTS_DIR: dir,
    ST_MYSQL_ADMIN: adminPassword,
    ST_MYSQL_REPL: 'unused',
    ST_MYSQL_APP: 'unused',
    ST_RABBITMQ: 'guest',
    CI: 'true',
  };
}, 240_000);

afterAll(async () => {
  await redis?.stop();
  await cluster?.stop();
});

/** One process, no npx in between: a signal sent to it reaches the command itself. */
function status(args: string[], environment = env) {
  return execa(join(repoRoot, 'node_modules/.bin/zx'), ['scripts/status.mjs', ...args], {
    cwd: repoRoot,
    env: environment,
    reject: false,
  });
}

function parse(stdout: string): StatusReport {
  const report = JSON.parse(stdout) as StatusReport;
  expect(validReport(report), JSON.stringify(validReport.errors)).toBe(true);
  return report;
}

const row = (report: StatusReport, name: string) => report.components.find((c) => c.name === name);

describe('npm run status -- --env <name>', () => {
  it('reads every part the inventory names, read-only, and exits 0 when all are up', async () => {
    const result = await status(['--env', 'st', '--json']);
    const report = parse(result.stdout);
    expect(result.exitCode, result.stdout).toBe(0);
    expect(report).toMatchObject({ env: 'st', healthy: true });
    expect(report.components.map((c) => [c.component, c.name, c.health])).toEqual([
      ['mysql master', 'db1', 'up'],
      ['mysql slave', 'db2', 'up'],
      ['mysql slave', 'db3', 'up'],
      ['haproxy', 'haproxy', 'skipped'],
      ['redis', 'redis', 'up'],
      ['rabbitmq', 'rabbitmq', 'up'],
      ['app', 'app', 'skipped'],
      ['tarantool', 'tarantool', 'skipped'],
      ['tarantool', 'replicator', 'skipped'],
      ['clickhouse', 'clickhouse', 'skipped'],
      ['prometheus', 'prometheus', 'skipped'],
      ['alertmanager', 'alertmanager', 'skipped'],
      ['binlog-archive', 'archiver', 'skipped'],
    ]);
    expect(row(report, 'db1')?.detail).toMatch(/semi-sync ON, 2\/2 clients/);
    expect(row(report, 'db2')?.detail).toMatch(/io Yes, sql Yes, lag 0 s, semi-sync ON/);
    expect(row(report, 'app')?.detail).toBe('not in the st inventory');
    expect(result.stdout + result.stderr).not.toContain(adminPassword);
  }, 60_000);

  it('prints the same rows as a table', async () => {
    const result = await status(['--env', 'st']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout.split('\n')[0]).toMatch(/^COMPONENT\s+NAME\s+ADDRESS\s+HEALTH\s+DETAIL$/);
    expect(result.stdout).toMatch(/redis\s+redis\s+127\.0\.0\.1:\d+\s+up\s+answers PING/);
  }, 60_000);

  it("a slave's stopped SQL thread: degraded, exit 1, the row says why", async () => {
    const db3 = await cluster.session('db3');
    await db3.exec('STOP SLAVE SQL_THREAD');
    try {
      const result = await status(['--env', 'st', '--json']);
      expect(result.exitCode).toBe(1);
      const report = parse(result.stdout);
      expect(report.healthy).toBe(false);
      expect(row(report, 'db3')).toMatchObject({
        health: 'degraded',
        detail: expect.stringMatching(/sql No.*SQL thread stopped/),
      });
      expect(row(report, 'db2')?.health).toBe('up');
    } finally {
      await db3.exec('START SLAVE SQL_THREAD');
    }
  }, 60_000);

  it('Redis stopped: down, exit 1, the row says why; a missing secret is a row, never a crash', async () => {
    await redis.stop();
    try {
      const result = await status(['--env', 'st', '--json']);
      expect(result.exitCode).toBe(1);
      expect(row(parse(result.stdout), 'redis')).toMatchObject({
        health: 'down',
        detail: 'no answer (connection refused or timed out)',
      });
    } finally {
      await redis.start();
    }
    const withoutSecret = { ...env, ST_MYSQL_ADMIN: '' };
    const result = await status(['--env', 'st', '--json'], withoutSecret);
    expect(result.exitCode).toBe(1);
    expect(row(parse(result.stdout), 'db1')).toMatchObject({
      health: 'down',
      detail: 'secret env:ST_MYSQL_ADMIN is not set: export ST_MYSQL_ADMIN (see .env.example)',
    });
  }, 60_000);

  it('a bad or unknown environment name, or an invalid inventory: one line, exit 2', async () => {
    writeFileSync(join(environmentsDir, 'broken.yaml'), 'mysql:\n  database: app\n');
    for (const [name, message] of [
      ['broken', /^status: inventory .*broken\.yaml: \/redis: is required$/],
      ['Bad!', /^status: environment name 'Bad!' is not valid/],
      [
        'nosuch',
        /^status: unknown environment 'nosuch': no .*nosuch\.yaml \(known: local, [a-z, ]*\bst\b[a-z, ]*\)$/,
      ],
    ] as const) {
      const result = await status(['--env', name]);
      expect(result.exitCode).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr.trim()).toMatch(message);
    }
  }, 60_000);

  it('--watch with --rounds: one report per refresh, then it ends by itself (no connection left open)', async () => {
    const started = Date.now();
    const result = await status(['--env', 'st', '--json', '--watch', '1', '--rounds', '3']);
    expect(result.exitCode, result.stderr).toBe(0);
    const reports = result.stdout.trim().split('\n').map(parse);
    expect(reports).toHaveLength(3);
    expect(reports.every((r) => r.healthy)).toBe(true);
    // Three rounds a second apart; a process that kept a socket open would never have exited.
    expect(Date.now() - started).toBeGreaterThan(2000);
  }, 90_000);

  it('--watch ends on Ctrl-C (SIGINT) after the round in progress, closing what it opened', async () => {
    const child = status(['--env', 'st', '--watch', '1']);
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    await waitFor(
      async () =>
        (out.match(/^st at .*: healthy; every 1 s, Ctrl-C ends$/gm) ?? []).length >= 2 ? true : undefined,
      {
        timeoutMs: 60_000,
        what: 'two refreshes of the watched status',
      },
    );
    const interrupted = Date.now();
    child.kill('SIGINT');
    const result = await child;
    expect(result.exitCode).toBe(0);
    expect(Date.now() - interrupted).toBeLessThan(15_000);
    expect(result.stdout).toMatch(/mysql master\s+db1\s+127\.0\.0\.1:\d+\s+up/);
  }, 90_000);
});
