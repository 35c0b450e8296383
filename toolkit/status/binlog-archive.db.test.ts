import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../lib/poll.ts';
import { binlogFiles } from '../backup/binlog-index.ts';
import { isAlive } from '../host/process.ts';
import { binlogArchiveComponent } from '../local/binlog-archive-component.ts';
import { loadState } from '../local/state.ts';
import { localStatus } from '../local/status.ts';
import { quietRun, startTestCluster, type TestCluster } from '../local/testing.ts';
import type { MysqlSession } from '../mysql/session.ts';
import { collectStatus } from './collect.ts';
import type { StatusRow } from './report.ts';

let cluster: TestCluster;
let master: MysqlSession;

beforeAll(async () => {
  cluster = await startTestCluster({ slaves: 1, mode: 'replicating' });
  master = await cluster.session('db1');
  await master.exec('CREATE TABLE app.ledger (id INT AUTO_INCREMENT PRIMARY KEY, n INT) ENGINE=InnoDB');
  const run = quietRun('archive-up');
  await binlogArchiveComponent.up(run);
  await run.close();
}, 240_000);

afterAll(async () => {
  if (cluster) {
    await binlogArchiveComponent.down(quietRun('archive-down'), { wipe: false });
    await cluster.stop();
  }
});

async function archiverRow(view: 'local' | 'endpoints'): Promise<StatusRow> {
  const rows =
    view === 'local'
      ? await localStatus(['binlogArchive'])
      : await collectStatus(cluster.inventory(), ['binlogArchive']);
  const row = rows.find((r) => r.component === 'binlog-archive');
  expect(row, JSON.stringify(rows)).toBeDefined();
  return row!;
}

/** Writes on the master, each batch in a binlog file of its own. */
async function writeBatches(batches: number): Promise<void> {
  for (let b = 0; b < batches; b++) {
    for (let i = 0; i < 20; i++) await master.exec('INSERT INTO app.ledger (n) VALUES (?)', [i]);
    await master.exec('FLUSH BINARY LOGS');
  }
}

describe('status: the binlog archive row', () => {
  it('is up while the archiver follows the master and holds all it binlogged, with no gap', async () => {
    await writeBatches(3);
    const row = await waitFor(
      async (why) => {
        const r = await archiverRow('local');
        why(`${r.health}: ${r.detail}`);
        return r.health === 'up' ? r : undefined;
      },
      { timeoutMs: 30_000, what: 'the archiver row to be up' },
    );
    const pos = String(await master.value('SELECT @@GLOBAL.gtid_binlog_pos'));
    expect(row.detail).toMatch(/^pid \d+, follows db1; archive at /);
    expect(row.detail).toContain(`archive at ${pos} `);
    expect(row.detail).toContain('no gap');
  });

  it('is down when the archiver is not running, and says why', async () => {
    const pid = loadState().services['binlog-archive']!.pid!;
    process.kill(pid, 'SIGKILL');
    await waitFor(async () => (isAlive(pid) ? undefined : true), {
      timeoutMs: 10_000,
      what: 'the archiver to die',
    });
    // Its mariadb-binlog client dies with it (parent-death signal).
    const local = await archiverRow('local');
    expect(local.health).toBe('down');
    expect(local.detail).toMatch(/^not running \(pid \d+ gone\)/);
    // The master's dump thread notices its client is gone only when it next sends an event: keep writing.
    const endpoints = await waitFor(
      async () => {
        await master.exec('INSERT INTO app.ledger (n) VALUES (0)');
        const r = await archiverRow('endpoints');
        return r.health === 'down' ? r : undefined;
      },
      { timeoutMs: 30_000, what: 'the master to lose the archiver’s dump thread' },
    );
    expect(endpoints.detail).toContain(
      'not following the master db1: no binlog dump thread of binlog_archive',
    );
  });

  it('is degraded when a file is missing from the archive (a gap)', async () => {
    const dir = join(cluster.inventory().binlogArchive!.dir!, 'db1');
    const files = binlogFiles(dir);
    expect(files.length).toBeGreaterThanOrEqual(3);
    rmSync(join(dir, files[1]!));
    rmSync(join(dir, '.index'), { recursive: true, force: true });
    const run = quietRun('archive-up-again');
    await binlogArchiveComponent.up(run);
    await run.close();
    // Until its client has registered with the master the row says down (not following yet).
    const row = await waitFor(
      async (why) => {
        const r = await archiverRow('local');
        why(`${r.health}: ${r.detail}`);
        return r.health === 'down' ? undefined : r;
      },
      { timeoutMs: 30_000, what: 'the restarted archiver to follow the master' },
    );
    expect(row.health, row.detail).toBe('degraded');
    expect(row.detail).toMatch(/GAP in the archive: 0-\*-\d+\.\.\d+/);
    expect(readdirSync(dir)).not.toContain(files[1]);
  });
});
