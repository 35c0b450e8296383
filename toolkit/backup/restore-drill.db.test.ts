import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../lib/poll.ts';
import { repoRoot } from '../inventory/paths.ts';
import { binlogArchiveComponent } from '../local/binlog-archive-component.ts';
import { quietRun, runRunbook, startTestCluster, type TestCluster } from '../local/testing.ts';
import { MysqlSession } from '../mysql/session.ts';
import { archiveContinuity } from './archive.ts';
import { describeRows, drillTableSql, WriteLoad } from './drill.ts';
import { atOrBefore, formatPosition, parsePosition } from './gtid-position.ts';
import { backupRoot, binlogArchiveDir, fullBackupsDir } from './layout.ts';
import { listBackups } from './manifest.ts';

let cluster: TestCluster;
let master: MysqlSession;
const archive = () => binlogArchiveDir(backupRoot(cluster.stateDir));

beforeAll(async () => {
  cluster = await startTestCluster({ slaves: 2, mode: 'replicating' });
  master = await cluster.session('db1');
  for (const table of ['post', 'ledger']) await master.exec(drillTableSql, [`app.${table}`]);
  const run = quietRun('archive-up');
  await binlogArchiveComponent.up(run);
  await run.close();
});

afterAll(async () => {
  if (cluster) {
    await binlogArchiveComponent.down(quietRun('archive-down'), { wipe: false });
    await cluster.stop();
  }
});

/** Until the archive holds everything the master has written, with no gap. */
async function archiveCaughtUp(session: MysqlSession): Promise<string> {
  const masterPos = parsePosition(String(await session.value('SELECT @@GLOBAL.gtid_binlog_pos')));
  return waitFor(
    async (why) => {
      const c = await archiveContinuity(archive());
      if (c.gaps.length) throw new Error(`gap in the archive: ${c.gaps.join(', ')}`);
      why(`archive at ${formatPosition(c.last)}, master at ${formatPosition(masterPos)}`);
      return atOrBefore(masterPos, c.last) ? formatPosition(c.last) : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 250, what: 'the binlog archive to catch up' },
  );
}

async function rowsOf(session: MysqlSession, table: string): Promise<string[]> {
  const rows = await session.query(`SELECT id, writer, n FROM ?? ORDER BY id`, [`app.${table}`]);
  return describeRows(rows.map((r) => ({ id: String(r.id), writer: Number(r.writer), n: Number(r.n) })));
}

describe('restore drill: DROP TABLE post under load, restored to just before it', () => {
  it('brings back every acknowledged write up to the drop and nothing after it', async () => {
    const inventory = cluster.inventory();
    const before = new WriteLoad(inventory, ['app.post', 'app.ledger'], 4);
    await waitFor(async () => (before.acked.length >= 2000 ? true : undefined), {
      timeoutMs: 120_000,
      what: '2000 writes before the backup',
    });

    // The backup is taken mid-load: the writers keep going on the master.
    const backupStarted = Date.now();
    const backup = await runRunbook('backup', ['--json'], cluster.env);
    const backupWallMs = Date.now() - backupStarted;
    expect(backup.code, backup.stderr).toBe(0);
    const ackedAtBackupEnd = before.acked.length;
    await waitFor(async () => (before.acked.length >= ackedAtBackupEnd + 2000 ? true : undefined), {
      timeoutMs: 120_000,
      what: '2000 more writes after the backup',
    });
    const committed = await before.stop();
    expect(before.errors).toEqual([]);
    const [manifest] = listBackups(fullBackupsDir(backupRoot(cluster.stateDir))).map((b) => b.manifest);
    expect(manifest, 'one backup with a manifest').toBeDefined();
    // Mid-load for certain: writes were acknowledged both before and after the backup's GTID.
    const backupSeq = parsePosition(manifest!.gtid).get(0)!.seq;
    const masterSeq = parsePosition(String(await master.value('SELECT @@GLOBAL.gtid_binlog_pos'))).get(
      0,
    )!.seq;
    expect(backupSeq).toBeLessThan(masterSeq);

    await master.exec('DROP TABLE app.post');
    const after = new WriteLoad(inventory, ['app.ledger'], 2);
    await waitFor(async () => (after.acked.length >= 500 ? true : undefined), {
      timeoutMs: 120_000,
      what: '500 writes after the drop',
    });
    const afterDrop = await after.stop();
    await archiveCaughtUp(master);

    const restoreStarted = Date.now();
    const restore = await runRunbook(
      'restore',
      ['--before-statement', 'DROP TABLE post', '--json'],
      cluster.env,
    );
    const restoreMs = Date.now() - restoreStarted;
    expect(restore.code, restore.stderr).toBe(0);
    const result = restore.report?.result as { host: string; port: number; name: string; gtid: string };
    expect(result.port).toBeGreaterThan(0);

    const restored = await MysqlSession.open(
      { name: 'restored', host: result.host, port: result.port },
      inventory.mysql.admin,
    );
    try {
      const expected = (table: string) =>
        describeRows(
          committed
            .filter((r) => r.table === `app.${table}`)
            .map((r) => ({ id: r.id, writer: r.writer, n: r.n })),
        );
      const post = await rowsOf(restored, 'post');
      const ledger = await rowsOf(restored, 'ledger');
      expect(post).toEqual(expected('post'));
      expect(ledger).toEqual(expected('ledger'));
      // Nothing after the drop: not one of the ledger rows written after it.
      const afterIds = new Set(afterDrop.map((r) => r.id));
      expect(ledger.filter((line) => afterIds.has(line.split(' ')[0]!))).toEqual([]);

      if (process.env.BACKUP_DRILL_REPORT) {
        const at = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
        const dir = join(repoRoot, 'reports', 'backup', `drill-${at}`);
        mkdirSync(dir, { recursive: true });
        writeFileSync(
          join(dir, 'summary.md'),
          drillSummary({
            manifest: manifest!,
            backupWallMs,
            restoreMs,
            restoreDetail: restore.report!.steps,
            post,
            ledger,
            afterDrop: afterDrop.length,
            committed: committed.length,
            gtid: result.gtid,
          }),
        );
      }
    } finally {
      await restored.close();
      const discard = await runRunbook('restore', ['--discard', result.name], cluster.env);
      expect(discard.code, discard.stderr).toBe(0);
    }
  });

  it('the archive follows the new master after a switchover with no gap', async () => {
    const inventory = cluster.inventory();
    const load = new WriteLoad(inventory, ['app.ledger'], 2);
    await waitFor(async () => (load.acked.length >= 300 ? true : undefined), {
      timeoutMs: 60_000,
      what: '300 writes',
    });
    const failover = await runRunbook('failover', ['--switchover', '--json'], cluster.env);
    expect(failover.code, failover.stderr).toBe(0);
    await load.stop();
    const next = cluster.inventory();
    expect(next.mysql.master.name).not.toBe('db1');
    const newMaster = await cluster.session(next.mysql.master.name);
    const more = new WriteLoad(next, ['app.ledger'], 2);
    await waitFor(async () => (more.acked.length >= 300 ? true : undefined), {
      timeoutMs: 60_000,
      what: '300 writes on the new master',
    });
    await more.stop();
    await archiveCaughtUp(newMaster);
    const continuity = await archiveContinuity(archive());
    expect(continuity.gaps).toEqual([]);
    expect(continuity.sources).toEqual(['db1', next.mysql.master.name]);
    expect(formatPosition(continuity.last)).toBe(
      String(await newMaster.value('SELECT @@GLOBAL.gtid_binlog_pos')),
    );
  });
});

function drillSummary(d: {
  manifest: import('./manifest.ts').BackupManifest;
  backupWallMs: number;
  restoreMs: number;
  restoreDetail: Array<{ name: string; detail: string }>;
  post: string[];
  ledger: string[];
  afterDrop: number;
  committed: number;
  gtid: string;
}): string {
  const step = (name: string) => d.restoreDetail.find((s) => s.name === name)?.detail ?? '';
  return `# Restore drill: DROP TABLE post under load

Made by \`BACKUP_DRILL_REPORT=1 npx vitest run toolkit/backup/restore-drill.db.test.ts\` on a throwaway
3-node MariaDB cluster (semi-sync, 32M buffer pools) with the binlog archiver running: 4 writers insert into
\`post\` and \`ledger\`; \`backup.mjs\` runs mid-load; more writes; the load stops; \`DROP TABLE app.post\` on the
master; 2 writers add rows to \`ledger\`; then \`restore.mjs --before-statement 'DROP TABLE post'\`.

| figure | value |
|---|---|
| backup (manifest duration) | ${(d.manifest.durationMs / 1000).toFixed(2)} s |
| backup.mjs wall time | ${(d.backupWallMs / 1000).toFixed(2)} s |
| backup size | ${d.manifest.rawBytes} bytes streamed, ${d.manifest.archive.bytes} bytes gzip |
| backup GTID | ${d.manifest.gtid} |
| restore.mjs wall time | ${(d.restoreMs / 1000).toFixed(2)} s |
| restored to | ${d.gtid} |
| rows committed before the drop (post + ledger) | ${d.committed} |
| post rows restored, equal row by row | ${d.post.length} |
| ledger rows restored, equal row by row | ${d.ledger.length} |
| ledger rows written after the drop, restored | 0 of ${d.afterDrop} |

Restore steps: restore point — ${step('restore point')}; replay — ${step('replay')}; ${step('restore point reached')}.
`;
}
