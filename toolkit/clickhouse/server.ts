import { createHash } from 'node:crypto';
import { mkdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../../lib/poll.ts';
import { findBinary } from '../host/binaries.ts';
import { isAlive, spawnDetached } from '../host/process.ts';
import { ClickHouseHttp } from './http.ts';

export interface ClickHouseServerOptions {
  host: string;
  httpPort: number;
  tcpPort: number;
  dir: string;
  /** The password of the `app` user (sha256 in users.xml, never the clear text); default stays local-only. */
  appPassword: string;
}

function xmlText(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Config for one server of our own: its own ports and dirs, UTC (DateTime values read back exactly
 * as MySQL wrote them), 2 threads per query (2 cores shared with everything else), and two users:
 * `default` from 127.0.0.1 without a password (the operator on this machine) and `app`.
 */
export function writeClickHouseConfig(options: ClickHouseServerOptions): string {
  const { dir } = options;
  for (const sub of ['data', 'tmp', 'user_files', 'format_schemas', 'log'])
    mkdirSync(join(dir, sub), { recursive: true });
  const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
  writeFileSync(
    join(dir, 'config.xml'),
    `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>${xmlText(join(dir, 'log', 'server.log'))}</log><errorlog>${xmlText(join(dir, 'log', 'server.err.log'))}</errorlog><size>50M</size><count>2</count></logger>
  <http_port>${options.httpPort}</http_port>
  <tcp_port>${options.tcpPort}</tcp_port>
  <listen_host>${xmlText(options.host)}</listen_host>
  <path>${xmlText(join(dir, 'data'))}/</path>
  <tmp_path>${xmlText(join(dir, 'tmp'))}/</tmp_path>
  <user_files_path>${xmlText(join(dir, 'user_files'))}/</user_files_path>
  <format_schema_path>${xmlText(join(dir, 'format_schemas'))}/</format_schema_path>
  <users_config>users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mark_cache_size>268435456</mark_cache_size>
  <max_concurrent_queries>50</max_concurrent_queries>
  <mlock_executable>false</mlock_executable>
  <!-- The server sets its own umask (027 unless told): data and logs readable by their owner only. -->
  <umask>077</umask>
</yandex>
`,
  );
  writeFileSync(
    join(dir, 'users.xml'),
    `<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>2000000000</max_memory_usage><max_threads>2</max_threads></default></profiles>
  <users>
    <default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default>
    <app><password_sha256_hex>${sha256(options.appPassword)}</password_sha256_hex><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></app>
  </users>
  <quotas><default></default></quotas>
</yandex>
`,
    { mode: 0o600 },
  );
  return join(dir, 'config.xml');
}

/** clickhouse-server keeps its command line, but ours is told apart by the working dir (its own dir). */
export function clickhouseIsOurs(pid: number | undefined, dir: string): pid is number {
  if (!isAlive(pid)) return false;
  try {
    return readlinkSync(`/proc/${pid}/cwd`) === dir;
  } catch {
    return false;
  }
}

export async function startClickHouse(options: ClickHouseServerOptions): Promise<number> {
  const binary = findBinary(['clickhouse-server', 'clickhouse']);
  if (!binary) throw new Error('clickhouse-server not found: apt-get install clickhouse-server');
  const config = writeClickHouseConfig(options);
  const args = binary.endsWith('/clickhouse')
    ? ['server', `--config-file=${config}`]
    : [`--config-file=${config}`];
  const pid = spawnDetached(binary, args, {
    logFile: join(options.dir, 'log', 'stdout.log'),
    cwd: options.dir,
  });
  const client = new ClickHouseHttp({ host: options.host, port: options.httpPort });
  await waitFor(
    async () => {
      if (!clickhouseIsOurs(pid, options.dir))
        throw new Error(`clickhouse-server exited during start: see ${join(options.dir, 'log')}`);
      return (await client.ping()) ? true : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 200, what: `clickhouse on ${options.host}:${options.httpPort}` },
  );
  return pid;
}

export async function stopClickHouse(pid: number, dir: string): Promise<'stopped' | 'killed' | 'gone'> {
  if (!clickhouseIsOurs(pid, dir)) return 'gone';
  process.kill(pid, 'SIGTERM');
  try {
    await waitFor(async () => (isAlive(pid) ? undefined : true), {
      timeoutMs: 60_000,
      what: `clickhouse pid ${pid} to exit`,
    });
    return 'stopped';
  } catch {
    process.kill(pid, 'SIGKILL');
    await waitFor(async () => (isAlive(pid) ? undefined : true), {
      timeoutMs: 5000,
      what: `clickhouse pid ${pid} to die`,
    });
    return 'killed';
  }
}
