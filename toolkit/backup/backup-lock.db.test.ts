import { existsSync, mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../lib/poll.ts';
import { repoRoot } from '../inventory/paths.ts';
import { runRunbook, startTestCluster, type TestCluster } from '../local/testing.ts';
import { backupRoot, fullBackupsDir } from './layout.ts';
import { abandonedAfterMs, listBackups, manifestFile } from './manifest.ts';

let cluster: TestCluster;
const full = () => fullBackupsDir(backupRoot(cluster.stateDir));

beforeAll(async () => {
  cluster = await startTestCluster({ slaves: 1, mode: 'replicating' });
  const master = await cluster.session('db1');
  await master.exec('CREATE TABLE app.held (id INT PRIMARY KEY) ENGINE=InnoDB');
  await master.exec('INSERT INTO app.held VALUES (1), (2), (3)');
}, 240_000);

afterAll(async () => {
  await cluster?.stop();
});

/** A folder of the backups dir that has no manifest (yet). */
const inProgress = () =>
  readdirSync(full(), { withFileTypes: true }).filter(
    (e) => e.isDirectory() && !existsSync(join(full(), e.name, manifestFile)),
  );

describe('two backup.mjs at once', () => {
  it('the second is refused by the backup lock and the first completes untouched', async () => {
    // The first backup is held in progress (no manifest yet): a table of the slave is locked, so
    // its checksums wait; the copy itself is done by then.
    const slave = await cluster.session('db2');
    await slave.exec('LOCK TABLES app.held WRITE');
    const first = execa('npx', ['zx', 'scripts/backup.mjs', '--json'], {
      cwd: repoRoot,
      env: { ...cluster.env, CI: 'true' },
      reject: false,
    });
    try {
      await waitFor(async () => (existsSync(full()) && inProgress().length === 1 ? true : undefined), {
        timeoutMs: 120_000,
        what: 'the first backup to be in progress',
      });
      const second = await runRunbook('backup', ['--keep', '1', '--keep-days', '0', '--json'], cluster.env);
      expect(second.code).toBe(1);
      expect(second.stderr).toMatch(
        /refused: backup \(pid \d+ on .*\) holds the backup lock of .*; it is still running/,
      );
      expect(inProgress(), 'the first backup is still there').toHaveLength(1);
    } finally {
      await slave.exec('UNLOCK TABLES');
    }
    const done = await first;
    expect(done.exitCode, done.stderr).toBe(0);
    expect(listBackups(full())).toHaveLength(1);
    expect(inProgress()).toEqual([]);
  });

  it('retention takes a folder without a manifest only when it has been quiet for an hour', async () => {
    const abandoned = join(full(), '2020-01-01T00-00-00-000Z');
    const recent = join(full(), '2099-01-01T00-00-00-000Z');
    for (const dir of [abandoned, recent]) {
      mkdirSync(dir);
      writeFileSync(join(dir, 'backup.xbstream.gz'), 'partial');
    }
    const old = new Date(Date.now() - 2 * abandonedAfterMs);
    utimesSync(join(abandoned, 'backup.xbstream.gz'), old, old);
    utimesSync(abandoned, old, old);
    const previous = listBackups(full())[0]!.manifest.id;

    const run = await runRunbook('backup', ['--keep', '1', '--keep-days', '0', '--json'], cluster.env);
    expect(run.code, run.stderr).toBe(0);
    expect(existsSync(abandoned), 'the abandoned partial folder is removed').toBe(false);
    expect(existsSync(recent), 'a partial folder written to lately may be a backup in progress').toBe(true);
    expect(listBackups(full()).map((b) => b.manifest.id)).not.toContain(previous);
    expect(listBackups(full())).toHaveLength(1);
  });
});
