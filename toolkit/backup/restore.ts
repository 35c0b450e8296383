import { join } from 'node:path';
import type { Inventory } from '../inventory/schema.ts';
import { MysqlSession } from '../mysql/session.ts';
import { ToolkitError } from '../procedure/errors.ts';
import type { Run } from '../procedure/run.ts';
import { indexArchive } from './binlog-index.ts';
import { formatPosition, parsePosition } from './gtid-position.ts';
import { discardRestoredServer, type RestoredServer, restoredPaths } from './instance.ts';
import { binlogArchiveDir, fullBackupsDir, restoresDir } from './layout.ts';
import { listBackups } from './manifest.ts';
import { backupTool } from './physical.ts';
import {
  checkCoverage,
  chooseBackup,
  type RestoreTarget,
  replayFiles,
  stopPoint,
  uniqueGroups,
} from './restore-plan.ts';
import { appliedPosition, bringUpBackup, replayArchive } from './restored.ts';

/** Puts a prepared data dir in place of a node's, restarting it (the local environment provides it). */
export interface NodeReplacer {
  /** Returns where the node's old data dir was kept. */
  replaceDataDir(node: string, preparedDataDir: string): Promise<string>;
}

export interface RestoreOptions {
  root: string;
  stateDir: string;
  target: (offsetSeconds: number) => RestoreTarget;
  port?: number;
  replace?: string;
  replacer?: NodeReplacer;
}

/**
 * Restores the newest backup before the moment into a new server and replays the binlog archive up
 * to it; verifies the position reached; with --replace, puts it in place of a fenced node.
 */
export async function restoreProcedure(
  run: Run,
  inventory: Inventory,
  options: RestoreOptions,
): Promise<RestoredServer | undefined> {
  if (options.replace) checkReplaceable(inventory, options.replace, options.replacer);
  const offset = await serverOffset(inventory);
  const target = options.target(offset);
  const master = await MysqlSession.open(inventory.mysql.master, inventory.mysql.admin).catch(
    () => undefined,
  );
  const tools = (master?.flavor ?? (await anyFlavor(inventory))).physicalBackup;
  await master?.close();
  const binlog = backupTool(tools, 'binlog');
  let plan: RestorePlan | undefined;
  await run.check('restore point', 'local', async () => {
    plan = await planRestore(binlog, options.root, target);
    return `${plan.description}; from backup ${plan.backup.manifest.id} (GTID ${plan.backup.manifest.gtid}), then ${plan.transactions} archived transaction(s)`;
  });
  const name = `restore-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  const dir = join(restoresDir(options.stateDir), name);
  let brought: Awaited<ReturnType<typeof bringUpBackup>> | undefined;
  await run.action(
    'restored server',
    name,
    `unpack ${plan!.backup.manifest.id} into ${dir} and start it`,
    async () => {
      brought = await bringUpBackup({
        backup: plan!.backup,
        tools,
        dir,
        name,
        port: options.port,
        admin: inventory.mysql.admin,
      });
      run.onClose(() => brought?.session.close());
      return `127.0.0.1:${brought.server.port}, pid ${brought.server.pid}, at GTID ${plan!.backup.manifest.gtid}`;
    },
  );
  if (!brought) return undefined;
  const { session, server } = brought;
  await run.action('replay', name, `replay the archive to ${formatPosition(plan!.stop)}`, async () => {
    if (!plan!.segments.length) return 'nothing to replay: the backup is at the restore point';
    const started = Date.now();
    await replayArchive({
      session,
      admin: inventory.mysql.admin,
      tools,
      segments: plan!.segments,
      stop: plan!.stop,
      onSegment: (source, files) => run.progress(`replaying ${files} file(s) archived from ${source}`),
    });
    return `${plan!.transactions} transaction(s) from ${plan!.segments.map((s) => s.source).join(', ')} in ${((Date.now() - started) / 1000).toFixed(1)} s`;
  });
  await run.verify('restore point reached', name, async () => {
    const reached = formatPosition(await appliedPosition(session));
    if (reached !== formatPosition(plan!.stop))
      throw new ToolkitError(`the server is at ${reached}, not ${formatPosition(plan!.stop)}`);
    const tables = await session.value(
      'SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?',
      [inventory.mysql.database],
    );
    return `GTID ${reached}; ${tables} table(s) in ${inventory.mysql.database}`;
  });
  server.gtid = formatPosition(plan!.stop);
  if (options.replace) {
    await session.close();
    const node = options.replace;
    await run.action('data dir replaced', node, `swap ${node}'s data dir for ${server.name}'s`, async () => {
      await discardRestoredServer(server, false);
      const aside = await options.replacer!.replaceDataDir(node, restoredPaths(server.dir).data);
      return `${node} runs on the restored data (GTID ${server.gtid}), still fenced (read_only); its old data dir is kept in ${aside}`;
    });
  } else {
    run.note(
      `read from it: mariadb -h 127.0.0.1 -P ${server.port} -u ${inventory.mysql.admin.user} -p ${inventory.mysql.database}`,
    );
    run.note(
      `promote it: fence a node (failover.mjs), then npx zx scripts/restore.mjs … --replace <fenced node>; discard it: npx zx scripts/restore.mjs --discard ${server.name}`,
    );
  }
  run.setResult({
    name: server.name,
    host: server.host,
    port: server.port,
    gtid: server.gtid,
    backup: server.backup,
    pid: server.pid,
    dir: server.dir,
    ...(options.replace ? { replaced: options.replace } : {}),
  });
  return server;
}

export type RestorePlan = Awaited<ReturnType<typeof planRestore>>;

export async function planRestore(binlogTool: string, root: string, target: RestoreTarget) {
  const files = await indexArchive(binlogTool, binlogArchiveDir(root));
  const groups = uniqueGroups(files);
  const backups = listBackups(fullBackupsDir(root));
  const { stop, description } = stopPoint(groups, target);
  const backup = chooseBackup(backups, stop);
  const from = parsePosition(backup.manifest.gtid);
  const transactions = checkCoverage(groups, from, stop);
  return { stop, description, backup, transactions, segments: replayFiles(files, from, stop) };
}

function checkReplaceable(inventory: Inventory, node: string, replacer: NodeReplacer | undefined): void {
  const fenced = inventory.mysql.fenced ?? [];
  if (!fenced.some((n) => n.name === node))
    throw new ToolkitError(
      `--replace ${node}: only a fenced node is replaced (fenced: ${fenced.map((n) => n.name).join(', ') || 'none'}); a running master or slave never is`,
    );
  if (!replacer)
    throw new ToolkitError(
      `--replace: this environment cannot swap a node's data dir from here (local only)`,
    );
}

/** The server's NOW() minus UTC, in seconds, from the first node that answers (0 when none does). */
async function serverOffset(inventory: Inventory): Promise<number> {
  for (const node of [inventory.mysql.master, ...inventory.mysql.slaves]) {
    const session = await MysqlSession.open(node, inventory.mysql.admin, { timeoutMs: 2000 }).catch(
      () => undefined,
    );
    if (!session) continue;
    try {
      return Number(await session.value('SELECT TIMESTAMPDIFF(SECOND, UTC_TIMESTAMP(), NOW())'));
    } finally {
      await session.close();
    }
  }
  return 0;
}

async function anyFlavor(inventory: Inventory) {
  for (const node of inventory.mysql.slaves) {
    const session = await MysqlSession.open(node, inventory.mysql.admin, { timeoutMs: 2000 }).catch(
      () => undefined,
    );
    if (session) {
      await session.close();
      return session.flavor;
    }
  }
  throw new ToolkitError('no node of the inventory answers: cannot tell which server flavor to restore for');
}
