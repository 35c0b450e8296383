import { lstatSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Inventory, MysqlNode } from '../inventory/schema.ts';
import { resolveSecret } from '../inventory/secrets.ts';
import { clientOptionFile } from '../mysql/client-tools.ts';
import { MysqlSession } from '../mysql/session.ts';
import { ToolkitError } from '../procedure/errors.ts';
import type { Run } from '../procedure/run.ts';
import { tableChecksums } from './checksums.ts';
import {
  archiveFile,
  type BackupManifest,
  backupId,
  expiredBackups,
  incompleteBackups,
  listBackups,
  type Retention,
  removeBackup,
  writeManifest,
} from './manifest.ts';
import { streamBackup } from './physical.ts';

export interface BackupOptions {
  dir: string;
  from?: string;
  retention: Retention;
}

const localHosts = new Set(['127.0.0.1', 'localhost', '::1']);

/** mariabackup reads the data dir's files: it runs on the host of the slave it copies. */
export function assertLocal(node: MysqlNode): void {
  if (!localHosts.has(node.host))
    throw new ToolkitError(
      `${node.name} is on ${node.host}: a physical backup reads its data dir, so run backup.mjs on that host`,
    );
}

/**
 * A physical backup of a slave: its SQL thread is paused (the IO thread keeps receiving and
 * acknowledging semi-sync, so the master never waits), the copy streamed compressed and hashed,
 * every table checksummed at that same GTID, then the SQL thread resumed. The manifest is written
 * last; retention removes what is past both limits.
 */
export async function backupProcedure(
  run: Run,
  inventory: Inventory,
  env: string,
  options: BackupOptions,
): Promise<BackupManifest | undefined> {
  const slave = await chooseSource(run, inventory, options.from);
  const session = await MysqlSession.open(slave, inventory.mysql.admin);
  run.onClose(() => session.close());
  let manifest: BackupManifest | undefined;
  const started = new Date();
  const id = backupId(started);
  const dir = join(options.dir, id);
  await run.action('backup', slave.name, `physical backup of ${slave.name} into ${dir}`, async () => {
    const datadir = String(await session.value('SELECT @@GLOBAL.datadir'));
    const status = await session.one(session.flavor.showReplicaStatus);
    const replica = status ? session.flavor.parseReplicaStatus(status) : undefined;
    if (!replica?.sqlRunning)
      throw new ToolkitError(`${slave.name} is not replicating: back up a healthy slave`);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const totalMiB = Math.max(1, Math.round(dataSize(datadir) / 1048576));
    const meter = run.meter(`backup ${slave.name}`, totalMiB, 'MiB');
    const login = clientOptionFile(
      slave,
      inventory.mysql.admin.user,
      resolveSecret(inventory.mysql.admin.password),
    );
    await session.exec('STOP SLAVE SQL_THREAD');
    try {
      const gtid = String(await session.value(session.flavor.executedGtidSql));
      const streamed = await streamBackup({
        tools: session.flavor.physicalBackup,
        optionFile: login.path,
        datadir,
        workDir: join(dir, 'work'),
        archive: join(dir, archiveFile),
        onProgress: (bytes) => meter.set(Math.round(bytes / 1048576)),
      });
      const tables = await tableChecksums(session);
      const finished = new Date();
      manifest = {
        id,
        env,
        source: {
          node: slave.name,
          host: slave.host,
          port: slave.port,
          master: `${replica.sourceHost}:${replica.sourcePort}`,
        },
        server: session.flavor.label,
        tool: session.flavor.physicalBackup.backup[0]!,
        startedAt: started.toISOString(),
        finishedAt: finished.toISOString(),
        durationMs: finished.getTime() - started.getTime(),
        gtid,
        rawBytes: streamed.rawBytes,
        archive: { file: archiveFile, bytes: streamed.bytes, sha256: streamed.sha256, compression: 'gzip' },
        tables,
      };
    } finally {
      login.remove();
      rmSync(join(dir, 'work'), { recursive: true, force: true });
      await session.exec('START SLAVE SQL_THREAD');
    }
    writeManifest(dir, manifest);
    const rows = manifest.tables.reduce((sum, t) => sum + t.rows, 0);
    return `${id}: GTID ${manifest.gtid}, ${mib(manifest.rawBytes)} → ${mib(manifest.archive.bytes)} gzip in ${(manifest.durationMs / 1000).toFixed(1)} s, ${manifest.tables.length} tables, ${rows} rows checksummed`;
  });
  await applyRetention(run, options.dir, options.retention);
  return manifest;
}

async function chooseSource(run: Run, inventory: Inventory, from: string | undefined): Promise<MysqlNode> {
  let chosen: MysqlNode | undefined;
  await run.check('backup source', 'local', async () => {
    const { slaves, master } = inventory.mysql;
    if (from) {
      chosen = slaves.find((s) => s.name === from);
      if (!chosen)
        throw new ToolkitError(
          from === master.name
            ? `--from ${from}: that is the master; backups are taken from a slave so the master never stops`
            : `--from ${from}: not a slave of the inventory (slaves: ${slaves.map((s) => s.name).join(', ') || 'none'})`,
        );
    } else chosen = slaves.at(-1);
    if (!chosen)
      throw new ToolkitError(
        'the inventory has no slave to back up from (the master is never stopped for a backup)',
      );
    assertLocal(chosen);
    return `${chosen.name} (${chosen.host}:${chosen.port}), a slave of ${master.name}`;
  });
  return chosen!;
}

async function applyRetention(run: Run, dir: string, retention: Retention): Promise<void> {
  await run.converge({
    name: 'retention',
    host: 'local',
    read: async () => ({
      expired: expiredBackups(listBackups(dir), retention, new Date()),
      broken: incompleteBackups(dir),
    }),
    diff: (s) =>
      s.expired.length || s.broken.length
        ? `remove ${[...s.expired.map((b) => b.manifest.id), ...s.broken.map((d) => `${d} (no manifest, untouched for an hour)`)].join(', ')}`
        : null,
    describe: () =>
      `${listBackups(dir).length} backup(s) kept (keep ${retention.keep}, ${retention.days} days)`,
    apply: async (s) => {
      for (const b of s.expired) removeBackup(b.dir);
      for (const d of s.broken) removeBackup(d);
    },
  });
}

/** Bytes of the data dir the copy will stream (binlogs and relay logs are not copied). */
function dataSize(path: string): number {
  let total = 0;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (/^(mysql-bin|relay-bin)\./.test(entry.name)) continue;
    const full = join(path, entry.name);
    if (entry.isDirectory()) total += dataSize(full);
    else if (entry.isFile()) total += lstatSync(full).size;
  }
  return total;
}

export function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}
