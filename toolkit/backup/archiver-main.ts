/**
 * The binlog archiver: one long-running process that keeps `mariadb-binlog --read-from-remote-server
 * --raw --stop-never` streaming the current master's binary logs into <archive>/<node>/, and follows
 * the master: when its source dies or turns read-only and another node is writable, it starts on the
 * new master from the file whose starting GTID state is at or before the last archived transaction,
 * so the archive has no gap (restore de-duplicates by GTID).
 *
 * Usage: node --import tsx toolkit/backup/archiver-main.ts <archive dir>
 * Environment: ARCHIVER_NODES (JSON [{name, host, port}]), ARCHIVER_USER, ARCHIVER_PASSWORD,
 * ARCHIVER_SERVER_ID (the id it registers with as a replica), ARCHIVER_BINLOG_TOOL.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { openConnection } from '../../lib/mysql.ts';
import { binlogFiles, indexBinlogFile } from './binlog-index.ts';
import { advance, atOrBefore, formatPosition, type Position, parsePosition } from './gtid-position.ts';

interface Node {
  name: string;
  host: string;
  port: number;
}

const archiveDir = process.argv[2]!;
const nodes = JSON.parse(process.env.ARCHIVER_NODES ?? '[]') as Node[];
const user = process.env.ARCHIVER_USER ?? '';
const password = process.env.ARCHIVER_PASSWORD ?? '';
const serverId = Number(process.env.ARCHIVER_SERVER_ID ?? 4000);
const binlogTool = process.env.ARCHIVER_BINLOG_TOOL ?? 'mariadb-binlog';
const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));

const log = (text: string) => process.stdout.write(`${new Date().toISOString()} ${text}\n`);

async function connect(node: Node): Promise<Connection | undefined> {
  return openConnection({ host: node.host, port: node.port, user, password }, 2000).catch(() => undefined);
}

async function query(conn: Connection, sql: string, values: unknown[] = []): Promise<RowDataPacket[]> {
  const [rows] = await conn.query<RowDataPacket[]>(sql, values);
  return rows;
}

/** The one writable node, or undefined (none yet during a failover, or several: wait for the fence). */
async function writableMaster(): Promise<Node | undefined> {
  const writable: Node[] = [];
  for (const node of nodes) {
    const conn = await connect(node);
    if (!conn) continue;
    try {
      const [row] = await query(conn, 'SELECT @@GLOBAL.read_only AS ro');
      if (Number(row?.ro) === 0) writable.push(node);
    } catch {
      // A node that fails the question is not the master we want.
    } finally {
      conn.destroy();
    }
  }
  return writable.length === 1 ? writable[0] : undefined;
}

/** The newest position already archived from sources other than `except`. */
async function archivedPosition(except: string): Promise<Position> {
  let position: Position = new Map();
  if (!existsSync(archiveDir)) return position;
  for (const entry of readdirSync(archiveDir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name === except || entry.name.startsWith('.')) continue;
    const dir = join(archiveDir, entry.name);
    for (const file of binlogFiles(dir).reverse()) {
      const groups = await indexBinlogFile(binlogTool, join(dir, file), join(dir, '.index'));
      if (!groups.length) continue;
      for (const group of groups) position = advance(position, group);
      break;
    }
  }
  return position;
}

/** Where to start on `node`: the archive's last file of it (re-fetched whole), else the file that covers the gap. */
async function startFile(conn: Connection, node: Node): Promise<string> {
  const own = binlogFiles(join(archiveDir, node.name));
  if (own.length) return own.at(-1)!;
  const logs = (await query(conn, 'SHOW BINARY LOGS')).map((r) => String(r.Log_name));
  const archived = await archivedPosition(node.name);
  if (!archived.size) return logs[0]!;
  let chosen = logs[0]!;
  for (const file of logs) {
    const [row] = await query(conn, 'SELECT BINLOG_GTID_POS(?, 4) AS pos', [file]);
    if (atOrBefore(parsePosition(String(row?.pos ?? '')), archived)) chosen = file;
    else break;
  }
  log(`${node.name}: archive holds ${formatPosition(archived)}; starting at ${chosen}`);
  return chosen;
}

function stream(node: Node, file: string): { child: ChildProcess; done: Promise<number> } {
  const dir = join(archiveDir, node.name);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (!existsSync(join(dir, 'since'))) writeFileSync(join(dir, 'since'), `${new Date().toISOString()}\n`);
  const secrets = mkdtempSync(join(tmpdir(), 'archiver-'));
  const cnf = join(secrets, 'client.cnf');
  const quote = (v: string) => `"${v.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
  writeFileSync(
    cnf,
    `[client]\nhost=${node.host}\nport=${node.port}\nuser=${quote(user)}\npassword=${quote(password)}\n`,
    {
      mode: 0o600,
    },
  );
  const args = [
    `--defaults-extra-file=${cnf}`,
    '--read-from-remote-server',
    '--raw',
    '--stop-never',
    `--stop-never-slave-server-id=${serverId}`,
    `--result-file=${dir}/`,
    file,
  ];
  // A SIGKILLed archiver must not leave its client streaming on: the next archiver would write the
  // same files beside it. setpriv (util-linux) has the kernel send it SIGKILL when its parent dies.
  // SIGKILL, as everywhere here: mariadb-binlog --stop-never acts on SIGTERM only at the master's next
  // event, which a fenced master never sends. A half-written last file is fetched whole again.
  const child = setpriv
    ? spawn(setpriv, ['--pdeathsig', 'KILL', '--', binlogTool, ...args], {
        stdio: ['ignore', 'inherit', 'inherit'],
      })
    : spawn(binlogTool, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  const done = new Promise<number>((resolve) => {
    child.on('error', () => resolve(127));
    child.on('close', (code) => resolve(code ?? 1));
  });
  // The client reads its option file at start; it need not stay on disk.
  setTimeout(() => rmSync(secrets, { recursive: true, force: true }), 5000).unref();
  return { child, done };
}

async function main(): Promise<void> {
  let current: { node: Node; child: ChildProcess; done: Promise<number> } | undefined;
  const stop = () => {
    current?.child.kill('SIGKILL');
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  for (;;) {
    if (current) {
      const exited = await Promise.race([current.done.then(() => true), sleep(1000).then(() => false)]);
      const master = exited ? undefined : await writableMaster();
      if (!exited && (master === undefined || master.name === current.node.name)) continue;
      if (!exited && master) log(`${master.name} is the master now: leaving ${current.node.name}`);
      if (exited) log(`streaming from ${current.node.name} ended`);
      current.child.kill('SIGKILL');
      await current.done;
      current = undefined;
    }
    const master = await writableMaster();
    if (!master) {
      await sleep(500);
      continue;
    }
    const conn = await connect(master);
    if (!conn) {
      // Seen writable a moment ago but refusing now (restarting, failing over): retry, not in a tight loop.
      await sleep(500);
      continue;
    }
    try {
      const file = await startFile(conn, master);
      log(`streaming ${master.name} (${master.host}:${master.port}) from ${file}`);
      current = { node: master, ...stream(master, file) };
    } catch (error) {
      log(`cannot start on ${master.name}: ${(error as Error).message}`);
      await sleep(1000);
    } finally {
      conn.destroy();
    }
  }
}

await main();
