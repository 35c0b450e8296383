import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateProcedure } from '../../toolkit/app/generate-procedure.ts';
import { compareChecksums, tableChecksums } from '../../toolkit/backup/checksums.ts';
import { backupRoot, fullBackupsDir } from '../../toolkit/backup/layout.ts';
import { listBackups } from '../../toolkit/backup/manifest.ts';
import { repoRoot } from '../../toolkit/inventory/paths.ts';
import { runRunbook } from '../../toolkit/local/testing.ts';
import { waitForHealthyReplica } from '../../toolkit/mysql/replication.ts';
import type { MysqlSession } from '../../toolkit/mysql/session.ts';
import { createReporter } from '../../toolkit/procedure/reporter.ts';
import { Run } from '../../toolkit/procedure/run.ts';
import { startBenchCluster } from '../app/cluster.ts';

/** Empties a slave as a lost disk would (nothing replicated, no position), without touching the master. */
async function breakSlave(slave: MysqlSession): Promise<void> {
  await slave.exec('STOP SLAVE');
  await slave.exec('RESET SLAVE ALL');
  await slave.exec('SET SESSION sql_log_bin = 0');
  await slave.exec('DROP DATABASE IF EXISTS app');
  await slave.exec('DROP DATABASE IF EXISTS toolkit');
  await slave.exec('RESET MASTER');
  await slave.exec("SET GLOBAL gtid_slave_pos = ''");
}

/**
 * Seeding an emptied slave on the same data, both ways: `replication.mjs --seed-from dump` (a
 * consistent logical dump loaded) and `--seed-from backup` (the newest physical backup + GTID
 * catch-up). Each seeded slave is checked table by table against the master. Writes a report.
 */
export async function benchSeed(users: number): Promise<string> {
  const { cluster, inventory, target } = await startBenchCluster();
  try {
    const run = new Run({ runbook: 'bench', env: 'bench', dryRun: false, reporter: createReporter('plain') });
    const genStarted = Date.now();
    try {
      await generateProcedure(
        run,
        { master: target, chat: target, host: inventory.mysql.master.name },
        {
          target: users,
          friendsPerUser: 3,
          postsPerUser: 0.1,
          dialogsPerUser: 0.01,
          chunkRows: 100_000,
          password: 'bench',
          deferIndex: true,
          seed: 42,
        },
      );
    } finally {
      await run.close();
    }
    const generateS = (Date.now() - genStarted) / 1000;
    const master = await cluster.session('db1');
    const slave = await cluster.session('db3');
    await waitForHealthyReplica(slave, 0, 600_000);
    const backup = await runRunbook('backup', ['--from', 'db2', '--json'], cluster.env);
    if (backup.code !== 0) throw new Error(`backup failed: ${backup.stderr}`);
    const manifest = listBackups(fullBackupsDir(backupRoot(cluster.stateDir))).at(-1)!.manifest;
    const rows: string[] = [];
    for (const method of ['dump', 'backup'] as const) {
      const broken = await cluster.session('db3');
      await breakSlave(broken);
      const started = Date.now();
      const seeded = await runRunbook('replication', ['--seed-from', method, '--json'], cluster.env);
      const seconds = (Date.now() - started) / 1000;
      if (seeded.code !== 0) throw new Error(`replication --seed-from ${method} failed: ${seeded.stderr}`);
      const fresh = await cluster.session('db3');
      await waitForHealthyReplica(fresh, 0, 600_000);
      const differences = compareChecksums(await tableChecksums(master), await tableChecksums(fresh));
      if (differences.length)
        throw new Error(`db3 after --seed-from ${method} differs: ${differences.join('; ')}`);
      const how =
        seeded.report?.steps.find(
          (s) => s.name === 'seeded from backup' || s.name.startsWith('replicate from'),
        )?.detail ?? '';
      rows.push(`| \`--seed-from ${method}\` | ${seconds.toFixed(1)} s | ${how.replace(/\|/g, '/')} |`);
      process.stdout.write(`seed from ${method}: ${seconds.toFixed(1)} s\n`);
    }
    const at = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
    const dir = join(repoRoot, 'reports', 'backup', `seed-${at}`);
    mkdirSync(dir, { recursive: true });
    const totalRows = manifest.tables.reduce((sum, t) => sum + t.rows, 0);
    const file = join(dir, 'summary.md');
    writeFileSync(
      file,
      `# Seeding a slave: logical dump vs physical backup

Made by \`npx zx scripts/bench-seed.mjs ${users}\`: a throwaway 3-node MariaDB 10.11 cluster (semi-sync, 256M buffer
pools), ${users} users generated (with friendships, posts, dialogs; ${totalRows} rows in all) in ${generateS.toFixed(1)} s, a backup of
db2 (${(manifest.durationMs / 1000).toFixed(1)} s, ${manifest.rawBytes} bytes streamed, ${manifest.archive.bytes} bytes gzip), then db3 emptied
(replication reset, databases dropped, GTID position cleared) and seeded again by \`replication.mjs\`, each way; the
time is the whole runbook until db3 replicates, and every table of db3 was then compared with the master
(CHECKSUM TABLE and row counts: identical).

| method | seconds | how |
|---|---|---|
${rows.join('\n')}
`,
    );
    return file;
  } finally {
    await cluster.stop();
  }
}
