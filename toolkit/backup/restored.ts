import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { freePorts } from '../../lib/net.ts';
import { collectText, exitOf } from '../host/child-output.ts';
import type { Credential } from '../inventory/schema.ts';
import { resolveSecret } from '../inventory/secrets.ts';
import { clientOptionFile, clientTool } from '../mysql/client-tools.ts';
import type { PhysicalBackupTools } from '../mysql/flavor.ts';
import { MysqlSession } from '../mysql/session.ts';
import { ToolkitError } from '../procedure/errors.ts';
import { advance, formatPosition, type Position, parsePosition, samePosition } from './gtid-position.ts';
import {
  type RestoredServer,
  restoredNode,
  restoredPaths,
  saveRestoredServer,
  startRestoredServer,
} from './instance.ts';
import { archiveFile, type StoredBackup } from './manifest.ts';
import { backupTool, extractBackup } from './physical.ts';

/**
 * A backup unpacked, prepared and started as a new server in `dir`, positioned at the backup's
 * GTID with no replication configured. The GTID the copy itself records must be the manifest's.
 */
export async function bringUpBackup(options: {
  backup: StoredBackup;
  tools: PhysicalBackupTools;
  dir: string;
  name: string;
  port?: number;
  admin: Credential;
}): Promise<{ server: RestoredServer; session: MysqlSession; copyGtid: string }> {
  const { manifest } = options.backup;
  const { gtid: copyGtid } = await extractBackup({
    tools: options.tools,
    archive: join(options.backup.dir, archiveFile),
    sha256: manifest.archive.sha256,
    dir: restoredPaths(options.dir).data,
  });
  const port = options.port ?? (await freePorts(1));
  const serverId = 100 + (port % 900);
  const pid = await startRestoredServer(options.dir, port, serverId);
  const server: RestoredServer = {
    name: options.name,
    host: '127.0.0.1',
    port,
    serverId,
    pid,
    dir: options.dir,
    backup: manifest.id,
    gtid: manifest.gtid,
  };
  saveRestoredServer(server);
  const session = await MysqlSession.open(restoredNode(server), options.admin, { timeoutMs: 10_000 });
  await session.exec('STOP SLAVE');
  await session.exec('RESET SLAVE ALL');
  await session.exec('SET GLOBAL gtid_slave_pos = ?', [manifest.gtid]);
  return { server, session, copyGtid };
}

/**
 * Replays archived transactions after the server's position up to `stop` (inclusive), one
 * mariadb-binlog | mariadb pipe per archive source. The binlog keeps each transaction's GTID, so
 * afterwards the server's own position proves what was applied.
 */
export async function replayArchive(options: {
  session: MysqlSession;
  admin: Credential;
  tools: PhysicalBackupTools;
  segments: Array<{ source: string; paths: string[] }>;
  stop: Position;
  onSegment(source: string, files: number): void;
}): Promise<Position> {
  const { session } = options;
  const login = clientOptionFile(session.node, options.admin.user, resolveSecret(options.admin.password));
  // Replay is one client applying transactions in a row: a flush per commit would make it the bottleneck
  // (about 50 transactions/s here). Durability is back to the node's settings before the server is handed over.
  const durable = await session.one(
    'SELECT @@GLOBAL.sync_binlog AS sync, @@GLOBAL.innodb_flush_log_at_trx_commit AS flush',
  );
  await session.exec('SET GLOBAL sync_binlog = 0');
  await session.exec('SET GLOBAL innodb_flush_log_at_trx_commit = 2');
  try {
    for (const segment of options.segments) {
      options.onSegment(segment.source, segment.paths.length);
      const from = formatPosition(await appliedPosition(session));
      const reader = spawn(
        backupTool(options.tools, 'binlog'),
        [
          '--no-defaults',
          `--start-position=${from}`,
          `--stop-position=${formatPosition(options.stop)}`,
          ...segment.paths,
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const loader = spawn(clientTool(), [`--defaults-extra-file=${login.path}`, '--binary-mode'], {
        stdio: ['pipe', 'ignore', 'pipe'],
      });
      const readerErr = collectText(reader.stderr, { limit: 8192, keep: 'head' });
      const loaderErr = collectText(loader.stderr, { limit: 8192, keep: 'head' });
      const exits = Promise.all([exitOf(reader), exitOf(loader)]);
      await pipeline(reader.stdout, loader.stdin).catch(() => {
        // Either side's exit code below says which failed and why.
      });
      const [readCode, loadCode] = await exits;
      if (loadCode !== 0)
        throw new ToolkitError(`replaying ${segment.source} failed: ${firstLine(await loaderErr)}`);
      if (readCode !== 0)
        throw new ToolkitError(
          `reading the archive of ${segment.source} failed: ${firstLine(await readerErr)}`,
        );
    }
  } finally {
    login.remove();
    await session.exec('SET GLOBAL sync_binlog = ?', [Number(durable?.sync ?? 1)]);
    await session.exec('SET GLOBAL innodb_flush_log_at_trx_commit = ?', [Number(durable?.flush ?? 1)]);
  }
  const reached = await appliedPosition(session);
  if (!samePosition(reached, options.stop))
    throw new ToolkitError(
      `replay ended at ${formatPosition(reached)}, not at ${formatPosition(options.stop)}`,
    );
  // So that it can later replicate from a master with MASTER_USE_GTID = slave_pos.
  await session.exec('SET GLOBAL gtid_slave_pos = ?', [formatPosition(reached)]);
  return reached;
}

/**
 * What a restored server holds: the backup's position (gtid_slave_pos) advanced by what replay wrote
 * to its binlog. gtid_current_pos would not say it: it trusts the binlog only for this server's own id.
 */
export async function appliedPosition(session: MysqlSession): Promise<Position> {
  const row = await session.one(
    'SELECT @@GLOBAL.gtid_slave_pos AS slave, @@GLOBAL.gtid_binlog_pos AS binlog',
  );
  let position = parsePosition(String(row?.slave ?? ''));
  for (const [domain, gtid] of parsePosition(String(row?.binlog ?? '')))
    position = advance(position, { domain, ...gtid });
  return position;
}

function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .find((l) => l.trim() && !/^Warning/i.test(l))
      ?.trim() ?? 'no message'
  );
}
