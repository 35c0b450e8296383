import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Inventory } from '../inventory/schema.ts';
import { classifySlave, readSlaveState } from '../mysql/replica-state.ts';
import { pointAt } from '../mysql/replication.ts';
import { MysqlSession } from '../mysql/session.ts';
import { ToolkitError } from '../procedure/errors.ts';
import type { Run } from '../procedure/run.ts';
import { restoresDir } from './layout.ts';
import { listBackups, type StoredBackup } from './manifest.ts';
import { extractBackup } from './physical.ts';
import type { NodeReplacer } from './restore.ts';

export type SeedSource = 'dump' | 'backup' | 'auto';

/** The newest backup when --seed-from allows it: `auto` takes it only when it is younger than maxAgeHours. */
export function backupToSeedFrom(
  dir: string,
  seedFrom: SeedSource,
  maxAgeHours: number,
  now = new Date(),
): StoredBackup | undefined {
  if (seedFrom === 'dump') return undefined;
  const newest = listBackups(dir).at(-1);
  if (seedFrom === 'backup') {
    if (!newest)
      throw new ToolkitError(`--seed-from backup: no backup in ${dir} (run npx zx scripts/backup.mjs)`);
    return newest;
  }
  if (!newest) return undefined;
  return now.getTime() - Date.parse(newest.manifest.finishedAt) <= maxAgeHours * 3_600_000
    ? newest
    : undefined;
}

/**
 * Seeds every slave that needs a seed (empty or diverged) from a physical backup instead of a dump:
 * the backup is unpacked and prepared beside the node, swapped in for its data dir, and the slave
 * set to the backup's GTID and pointed at the master, which sends it everything since (GTID catch-up).
 * The replication procedure that runs next then finds these slaves replicating.
 */
export async function seedSlavesFromBackup(
  run: Run,
  inventory: Inventory,
  backup: StoredBackup,
  stateDir: string,
  replacer: NodeReplacer,
): Promise<void> {
  const master = await MysqlSession.open(inventory.mysql.master, inventory.mysql.admin);
  try {
    for (const slaveNode of inventory.mysql.slaves) {
      const slave = await MysqlSession.open(slaveNode, inventory.mysql.admin);
      const { action, reason } = classifySlave(
        await readSlaveState(slave, master),
        inventory.mysql.master,
        inventory.mysql.replication.user,
      );
      await slave.close();
      if (action !== 'seed') continue;
      await run.action(
        'seeded from backup',
        slaveNode.name,
        `${reason}: seed from backup ${backup.manifest.id} (GTID ${backup.manifest.gtid})`,
        async () => {
          const started = Date.now();
          const dir = join(restoresDir(stateDir), `seed-${slaveNode.name}-${backup.manifest.id}`);
          const data = join(dir, 'data');
          await extractBackup({
            tools: master.flavor.physicalBackup,
            archive: join(backup.dir, backup.manifest.archive.file),
            sha256: backup.manifest.archive.sha256,
            dir: data,
          });
          const aside = await replacer.replaceDataDir(slaveNode.name, data);
          // A slave that needed a seed holds nothing worth keeping (the dump path drops its databases too).
          rmSync(aside, { recursive: true, force: true });
          rmSync(dir, { recursive: true, force: true });
          const seeded = await MysqlSession.open(slaveNode, inventory.mysql.admin, { timeoutMs: 10_000 });
          try {
            await seeded.exec(seeded.flavor.stopReplica);
            await seeded.exec(seeded.flavor.resetReplicaAll);
            // RESET MASTER on MariaDB, RESET BINARY LOGS AND GTIDS on MySQL 8.4 (which removed RESET MASTER).
            for (const sql of seeded.flavor.seedPrepare) await seeded.exec(sql);
            await seeded.exec(seeded.flavor.seedPositionSql, [backup.manifest.gtid]);
            await pointAt(inventory, seeded, inventory.mysql.master);
            await seeded.exec(seeded.flavor.startReplica);
          } finally {
            await seeded.close();
          }
          return `from backup ${backup.manifest.id} (GTID ${backup.manifest.gtid}) in ${((Date.now() - started) / 1000).toFixed(1)} s, catching up from ${inventory.mysql.master.name} by GTID`;
        },
      );
    }
  } finally {
    await master.close();
  }
}
