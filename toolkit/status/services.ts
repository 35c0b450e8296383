import amqp from 'amqplib';
import { portOpen, probeRedis } from '../../lib/net.ts';
import { ClickHouseHttp } from '../clickhouse/http.ts';
import { resolveSecret } from '../inventory/secrets.ts';
import { checkTimeoutMs, failedRow, type StatusContext, skippedRow } from './context.ts';
import type { StatusRow } from './report.ts';

export async function redisRows(context: StatusContext): Promise<StatusRow[]> {
  const { host, port } = context.inventory.redis;
  const row = { component: 'redis', name: 'redis', address: `${host}:${port}` };
  if (await probeRedis(host, port)) return [{ ...row, health: 'up', detail: 'answers PING' }];
  const open = await portOpen(host, port, checkTimeoutMs);
  return [
    {
      ...row,
      health: 'down',
      detail: open
        ? 'the port is open but no Redis answers PING'
        : 'no answer (connection refused or timed out)',
    },
  ];
}

/** A login with the app's credential (what the app needs), closed at once; the broker's version from its greeting. */
export async function rabbitmqRows(context: StatusContext): Promise<StatusRow[]> {
  const { host, port, vhost, credential } = context.inventory.rabbitmq;
  const row = { component: 'rabbitmq', name: 'rabbitmq', address: `${host}:${port}` };
  try {
    const connection = await amqp.connect(
      {
        protocol: 'amqp',
        hostname: host,
        port,
        username: credential.user,
        password: resolveSecret(credential.password),
        vhost: vhost ?? '/',
        heartbeat: 0,
      },
      { timeout: checkTimeoutMs },
    );
    const server = connection.connection.serverProperties;
    await connection.close();
    return [
      {
        ...row,
        health: 'up',
        detail: `${server.product ?? 'broker'} ${server.version ?? ''}, ${credential.user} logs in`.replace(
          ' ,',
          ',',
        ),
      },
    ];
  } catch (error) {
    return [failedRow(row, error)];
  }
}

/** 'ready', 'down' (no answer), or 'not ready' with the checks that failed (the writer read-only, say). */
export async function readiness(baseUrl: string): Promise<string> {
  try {
    const response = await fetch(`${baseUrl}/ready`, { signal: AbortSignal.timeout(checkTimeoutMs) });
    if (response.status === 200) {
      await response.body?.cancel();
      return 'ready';
    }
    const body = (await response.json().catch(() => ({}))) as { checks?: Record<string, boolean> };
    const failing = Object.entries(body.checks ?? {})
      .filter(([, ok]) => !ok)
      .map(([name]) => (name === 'mysql' ? 'mysql master not writable' : name));
    return `not ready${failing.length ? ` (${failing.join(', ')})` : ''}`;
  } catch {
    return 'down';
  }
}

const readyHealth = (ready: string) => (ready === 'ready' ? 'up' : ready === 'down' ? 'down' : 'degraded');

/** Each app instance's /ready, then the front (nginx when there are instances) as clients reach it. */
export async function appRows(context: StatusContext): Promise<StatusRow[]> {
  const app = context.inventory.app;
  if (!app) return [skippedRow('app', 'app', `not in the ${context.inventory.name} inventory`)];
  const instances = await Promise.all(
    (app.instances ?? []).map(async (i): Promise<StatusRow> => {
      const ready = await readiness(`http://${i.host}:${i.port}`);
      const detail = ready === 'down' ? 'not answering' : `/ready: ${ready}`;
      return {
        component: 'app',
        name: i.name,
        address: `${i.host}:${i.port}`,
        health: readyHealth(ready),
        detail,
      };
    }),
  );
  const ready = await readiness(app.url.replace(/\/$/, ''));
  const address = new URL(app.url).host;
  const front: StatusRow = app.instances
    ? {
        component: 'nginx',
        name: 'nginx',
        address,
        health: readyHealth(ready),
        detail: `over ${app.instances.map((i) => i.name).join(', ')}; /ready through nginx: ${ready}`,
      }
    : { component: 'app', name: 'app', address, health: readyHealth(ready), detail: `/ready: ${ready}` };
  return [...instances, front];
}

/**
 * ClickHouse holds a batch load of MySQL's users, not a replica: a count alone ("0 users loaded")
 * does not say whether that is all of them. MySQL's count beside it does; when MySQL cannot be
 * asked, the count stands alone.
 */
async function comparedWithMysql(context: StatusContext, loaded: number): Promise<string> {
  const figure = (n: number) => n.toLocaleString('en-US');
  const { mysql } = context.inventory;
  const inMysql = await context
    .session(mysql.master)
    .then((s) => s.value('SELECT COUNT(*) FROM ??.`user`', [mysql.database]))
    .then(Number)
    .catch(() => undefined);
  if (inMysql === undefined || Number.isNaN(inMysql)) return `${figure(loaded)} users loaded`;
  if (inMysql === loaded) return `${figure(loaded)} users loaded, as many as MySQL`;
  return `${figure(loaded)} users loaded, MySQL has ${figure(inMysql)}: a snapshot, reloaded by npm run up or npx zx scripts/clickhouse-load.mjs`;
}

export async function clickhouseRows(context: StatusContext): Promise<StatusRow[]> {
  const target = context.inventory.clickhouse;
  if (!target)
    return [skippedRow('clickhouse', 'clickhouse', `not in the ${context.inventory.name} inventory`)];
  const row = { component: 'clickhouse', name: 'clickhouse', address: `${target.host}:${target.httpPort}` };
  try {
    const client = new ClickHouseHttp({
      host: target.host,
      port: target.httpPort,
      timeoutMs: checkTimeoutMs,
      ...(target.credential
        ? { user: target.credential.user, password: resolveSecret(target.credential.password) }
        : {}),
    });
    const [count = '0'] = await client.row('SELECT count() FROM default.user');
    return [{ ...row, health: 'up', detail: await comparedWithMysql(context, Number(count)) }];
  } catch (error) {
    return [failedRow(row, error)];
  }
}
