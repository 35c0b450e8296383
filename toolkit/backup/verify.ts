import { join } from 'node:path';
import type { Inventory } from '../inventory/schema.ts';
import { MysqlSession } from '../mysql/session.ts';
import { ToolkitError } from '../procedure/errors.ts';
import type { Run } from '../procedure/run.ts';
import { compareChecksums, tableChecksums } from './checksums.ts';
import { parsePosition, samePosition } from './gtid-position.ts';
import { discardRestoredServer } from './instance.ts';
import { restoresDir } from './layout.ts';
import type { StoredBackup } from './manifest.ts';
import { bringUpBackup } from './restored.ts';

/**
 * Restores a backup into a throwaway server and compares every table's checksum and row count with
 * what the source had at the backup's GTID (taken while its SQL thread was paused at that GTID).
 * The server and its files are removed afterwards, whatever the outcome.
 */
export async function verifyBackup(
  run: Run,
  inventory: Inventory,
  stateDir: string,
  backup: StoredBackup,
): Promise<void> {
  const { manifest } = backup;
  await run.verify('backup restores', manifest.source.node, async () => {
    const flavor = await sourceFlavor(inventory);
    const name = `verify-${manifest.id}`;
    const started = Date.now();
    const brought = await bringUpBackup({
      backup,
      tools: flavor.physicalBackup,
      dir: join(restoresDir(stateDir), name),
      name,
      admin: inventory.mysql.admin,
    });
    try {
      if (!samePosition(parsePosition(brought.copyGtid), parsePosition(manifest.gtid)))
        throw new ToolkitError(`the copy says GTID ${brought.copyGtid}, the manifest ${manifest.gtid}`);
      const differences = compareChecksums(manifest.tables, await tableChecksums(brought.session));
      if (differences.length)
        throw new ToolkitError(`restored tables differ: ${differences.slice(0, 3).join('; ')}`);
      const rows = manifest.tables.reduce((sum, t) => sum + t.rows, 0);
      return `${manifest.id} restored in ${((Date.now() - started) / 1000).toFixed(1)} s: ${manifest.tables.length} tables, ${rows} rows, checksums identical at GTID ${manifest.gtid}`;
    } finally {
      await brought.session.close();
      await discardRestoredServer(brought.server, true);
    }
  });
}

async function sourceFlavor(inventory: Inventory) {
  const session = await MysqlSession.open(inventory.mysql.master, inventory.mysql.admin, { timeoutMs: 3000 });
  try {
    return session.flavor;
  } finally {
    await session.close();
  }
}
