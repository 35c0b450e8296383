import { setTimeout as sleep } from 'node:timers/promises';
import { waitFor } from '../../../lib/poll.ts';
import { archiveContinuity } from '../../backup/archive.ts';
import { backupProcedure, mib } from '../../backup/backup.ts';
import { type AckedRow, describeRows, drillTableSql, WriteLoad } from '../../backup/drill.ts';
import { atOrBefore, formatPosition, parsePosition } from '../../backup/gtid-position.ts';
import { discardRestoredServer } from '../../backup/instance.ts';
import { backupRoot, binlogArchiveDir, fullBackupsDir } from '../../backup/layout.ts';
import { restoreProcedure } from '../../backup/restore.ts';
import { stateDir } from '../../inventory/paths.ts';
import { MysqlSession } from '../../mysql/session.ts';
import { ToolkitError } from '../../procedure/errors.ts';
import type { Run } from '../../procedure/run.ts';
import { LocalInventorySource } from '../inventory.ts';
import type { Op } from './load.ts';
import type { DrillOptions, DrillReport, SummaryRow } from './report.ts';

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const statement = 'DROP TABLE post';

/** The load's acknowledged inserts as the drill report's requests (all writes, all accepted). */
function asOps(rows: readonly AckedRow[]): Op[] {
  return rows.map((r) => ({
    kind: 'post',
    client: `writer-${r.writer}`,
    startedAt: r.startedAt,
    endedAt: r.endedAt,
    status: 200,
    id: r.id,
    text: `${r.table} ${r.writer} ${r.n}`,
  }));
}

async function rowsOf(session: MysqlSession, table: string): Promise<string[]> {
  const rows = await session.query('SELECT id, writer, n FROM ?? ORDER BY id', [table]);
  return describeRows(rows.map((r) => ({ id: String(r.id), writer: Number(r.writer), n: Number(r.n) })));
}

/**
 * The restore drill (issue 16): writers insert into `post` and `ledger` on the master, recording
 * every acknowledged row; a physical backup is taken mid-load; more writes; the load stops and
 * `DROP TABLE post` runs on the master; more writes into `ledger`; then the newest backup is restored
 * and the archive replayed to just before the drop into a new server, which must hold, row by row,
 * every write acknowledged before the drop and none after it.
 */
export async function restoreDrill(run: Run, options: DrillOptions): Promise<DrillReport> {
  const startedAt = Date.now();
  const inventory = await new LocalInventorySource().load();
  const { database } = inventory.mysql;
  const tables = [`${database}.post`, `${database}.ledger`];
  const master = await MysqlSession.open(inventory.mysql.master, inventory.mysql.admin);
  run.onClose(() => master.close());
  const root = backupRoot(stateDir());
  await run.action('drill tables', inventory.mysql.master.name, tables.join(', '), async () => {
    for (const table of tables) await master.exec(drillTableSql, [table]);
    return `${tables.join(', ')} (id, writer, n, body)`;
  });

  const load = new WriteLoad(inventory, tables, 4);
  run.onClose(async () => {
    await load.stop();
  });
  const loadFrom = Date.now();
  await sleep(Math.max(3000, options.durationMs / 4));
  const backupFrom = Date.now();
  const manifest = await backupProcedure(run, inventory, inventory.name, {
    dir: fullBackupsDir(root),
    retention: { keep: 7, days: 14 },
  });
  const backupTo = Date.now();
  if (!manifest) throw new ToolkitError('the backup made no manifest');
  await sleep(Math.max(2000, loadFrom + options.durationMs / 2 - Date.now()));
  const committed = await load.stop();
  const loadStoppedAt = Date.now();

  const droppedAt = Date.now();
  await run.action('table dropped', inventory.mysql.master.name, `${statement} on the master`, async () => {
    await master.exec(`DROP TABLE ${tables[0]}`);
    return `DROP TABLE ${tables[0]} at GTID ${await master.value('SELECT @@GLOBAL.gtid_binlog_pos')}`;
  });
  const after = new WriteLoad(inventory, [tables[1]!], 2);
  run.onClose(async () => {
    await after.stop();
  });
  await sleep(Math.max(2000, options.durationMs / 4));
  const afterDrop = await after.stop();
  const loadTo = Date.now();

  let archived = '';
  await run.check('archive caught up', 'binlog-archive', async () => {
    const masterPos = parsePosition(String(await master.value('SELECT @@GLOBAL.gtid_binlog_pos')));
    archived = await waitFor(
      async (why) => {
        const c = await archiveContinuity(binlogArchiveDir(root));
        if (c.gaps.length) throw new ToolkitError(`gap in the binlog archive: ${c.gaps.join(', ')}`);
        why(`archive at ${formatPosition(c.last)}, master at ${formatPosition(masterPos)}`);
        return atOrBefore(masterPos, c.last)
          ? `${c.transactions} transactions, up to ${formatPosition(c.last)}, no gap`
          : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 250, what: 'the binlog archive to hold the master’s last write' },
    );
    return archived;
  });

  const restoreFrom = Date.now();
  const restored = await restoreProcedure(run, inventory, {
    root,
    stateDir: stateDir(),
    target: () => ({ kind: 'statement', text: statement }),
  });
  const restoreMs = Date.now() - restoreFrom;
  if (!restored) throw new ToolkitError('the restore brought up no server');
  const server = await MysqlSession.open(
    { name: restored.name, host: restored.host, port: restored.port },
    inventory.mysql.admin,
  );
  const expected = (table: string) =>
    describeRows(
      committed.filter((r) => r.table === table).map((r) => ({ id: r.id, writer: r.writer, n: r.n })),
    );
  const compared: Array<{ table: string; expected: number; restored: number; equal: boolean }> = [];
  let afterRestored = 0;
  try {
    await run.check('restored rows', restored.name, async () => {
      for (const table of tables) {
        const have = await rowsOf(server, table);
        const want = expected(table);
        compared.push({
          table,
          expected: want.length,
          restored: have.length,
          equal: JSON.stringify(have) === JSON.stringify(want),
        });
        if (table === tables[1]) {
          const afterIds = new Set(afterDrop.map((r) => r.id));
          afterRestored = have.filter((line) => afterIds.has(line.split(' ')[0]!)).length;
        }
      }
      return compared
        .map((c) => `${c.table}: ${c.restored} rows, ${c.equal ? 'equal row by row' : 'DIFFERENT'}`)
        .join('; ');
    });
  } finally {
    await server.close();
    await discardRestoredServer(restored, true);
  }

  const ackedBefore = committed.filter((r) => r.endedAt < backupFrom).length;
  const ackedAfter = committed.filter((r) => r.startedAt > backupTo).length;
  const replay = run.report().steps.find((s) => s.name === 'replay')?.detail ?? '';
  const restoredRows = compared.reduce((sum, c) => sum + c.restored, 0);
  const allEqual = compared.length === tables.length && compared.every((c) => c.equal);
  const errors = [...load.errors, ...after.errors];
  const rows: SummaryRow[] = [
    { measure: 'backup (manifest duration)', result: seconds(manifest.durationMs), target: '' },
    { measure: 'backup, wall time in the drill', result: seconds(backupTo - backupFrom), target: '' },
    {
      measure: 'backup size',
      result: `${mib(manifest.rawBytes)} streamed, ${mib(manifest.archive.bytes)} gzip`,
      target: '',
    },
    {
      measure: 'backup taken mid-load (writes acknowledged before it / after it)',
      result: `${ackedBefore} / ${ackedAfter}`,
      target: 'both over 0',
      met: ackedBefore > 0 && ackedAfter > 0,
    },
    { measure: 'restore (restore.mjs procedure, wall time)', result: seconds(restoreMs), target: '' },
    { measure: 'replay of the archive', result: replay, target: '' },
    {
      measure: 'writes acknowledged before the drop, restored equal row by row',
      result: `${allEqual ? restoredRows - afterRestored : 0} of ${committed.length}`,
      target: 'all',
      met: allEqual && afterRestored === 0,
    },
    {
      measure: 'writes after the drop, restored',
      result: `${afterRestored} of ${afterDrop.length}`,
      target: '0',
      met: afterRestored === 0,
    },
    { measure: 'binlog archive', result: archived, target: 'no gap', met: archived.includes('no gap') },
    { measure: 'writer errors', result: String(errors.length), target: '0', met: errors.length === 0 },
  ];
  const notes = [
    `A throwaway 3-node MariaDB cluster (semi-sync) with the binlog archiver; 4 writers insert into ${tables.join(' and ')} on the master, one autocommit insert at a time, recording every acknowledged row.`,
    `backup.mjs's procedure copied ${manifest.source.node} (SQL thread paused at GTID ${manifest.gtid}) while the writers kept going on the master.`,
    `After the load stopped: ${statement} on the master, then 2 writers added ${afterDrop.length} rows to ${tables[1]}.`,
    `restore.mjs's procedure with --before-statement '${statement}': backup ${manifest.id}, replayed to GTID ${restored.gtid}; the restored server was compared table by table with the rows the load recorded, then discarded.`,
    ...compared.map(
      (c) =>
        `${c.table}: ${c.expected} acknowledged, ${c.restored} restored, ${c.equal ? 'equal' : 'different'}.`,
    ),
    ...errors.slice(0, 5).map((e) => `writer error: ${e}`),
  ];
  const marks = [
    { at: backupFrom, label: 'backup starts' },
    { at: backupTo, label: `backup done (GTID ${manifest.gtid})` },
    { at: loadStoppedAt, label: 'load stopped' },
    { at: droppedAt, label: statement },
    { at: loadTo, label: 'writes after the drop end' },
  ];
  return {
    kind: 'restore',
    title: `Restore drill: ${statement} under load, restored to just before it`,
    command: options.command,
    startedAt,
    rows,
    notes,
    marks,
    ops: asOps([...committed, ...afterDrop]),
    loadFrom,
    loadTo,
    data: {
      backup: manifest,
      backupWallMs: backupTo - backupFrom,
      restoreMs,
      restoredTo: restored.gtid,
      compared,
      acknowledgedBeforeDrop: committed.length,
      writtenAfterDrop: afterDrop.length,
      restoredAfterDrop: afterRestored,
      archive: archived,
      errors,
    },
  };
}
