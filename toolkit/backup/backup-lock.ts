import { ToolkitError } from '../procedure/errors.ts';
import { acquireOperationLock, describeHolder } from '../procedure/operation-lock.ts';
import type { Run } from '../procedure/run.ts';

/** The lock file in a backups folder: one backup.mjs at a time writes there. */
export const backupLockFile = 'backup.lock';

/**
 * One backup.mjs at a time per backups folder: a second run would pause and resume the same slave's
 * SQL thread under the first one's copy (its GTID would no longer match its data) and its retention
 * could take the first one's folder, still without a manifest, for a dead backup. This is not the
 * environment's operation lock: a backup that runs for an hour must never hold up a failover.
 * A holder whose pid is gone from this host (a killed run) is taken over.
 */
export async function takeBackupLock(run: Run, dir: string, env: string): Promise<void> {
  await run.check('backup lock', 'local', async () => {
    const attempt = acquireOperationLock(dir, 'backup', env, backupLockFile);
    if (!attempt.acquired)
      throw new ToolkitError(
        `refused: ${describeHolder(attempt.holder)} holds the backup lock of ${dir}; ${attempt.why}`,
      );
    run.onClose(() => attempt.lock.release());
    return attempt.tookOverFrom
      ? `taken over from ${describeHolder(attempt.tookOverFrom)}, which is gone`
      : `${dir}/${backupLockFile}`;
  });
}
