import { rmSync } from 'node:fs';
import { freePorts } from '../../../lib/net.ts';
import { makeTempDir } from '../../../lib/temp-dirs.ts';
import { discardRestoredServer, listRestoredServers } from '../../backup/instance.ts';
import { restoresDir } from '../../backup/layout.ts';
import type { Run } from '../../procedure/run.ts';
import { binlogArchiveComponent } from '../binlog-archive-component.ts';
import { startEnvWatchdog } from '../env-watchdog.ts';
import { mysqlComponent } from '../mysql-component.ts';
import { ensureLocalSecrets } from '../secrets-file.ts';
import { loadState, saveState } from '../state.ts';
import type { DrillTarget } from './target.ts';

/**
 * The restore drill drops a table, so it never runs on the local environment: a throwaway cluster
 * of its own (a master and two slaves with semi-sync, the binlog archiver) in a temp dir on free
 * ports, built by the local environment's own components, stopped and deleted at the end. This
 * process's variables are pointed at it, so the local state, inventory and runbooks act on it.
 */
export async function openRestoreTarget(run: Run): Promise<DrillTarget> {
  const stateDir = makeTempDir('toolkit-restore-drill-');
  const base = await freePorts(3);
  Object.assign(process.env, {
    TOOLKIT_STATE_DIR: stateDir,
    LOCAL_MYSQL_PORT: String(base),
    LOCAL_MYSQL_SLAVES: '2',
    LOCAL_MYSQL_BUFFER_POOL: '64M',
  });
  saveState(loadState());
  // Takes the cluster down if this process dies without close() (a test timeout's SIGKILL).
  const watchdog = startEnvWatchdog(stateDir);
  const close = async () => {
    for (const server of listRestoredServers(restoresDir(stateDir)))
      await discardRestoredServer(server, true).catch(() => {});
    await binlogArchiveComponent.down(run, { wipe: true }).catch(() => {});
    await mysqlComponent.down(run, { wipe: true }).catch(() => {});
    rmSync(stateDir, { recursive: true, force: true });
    watchdog.stop();
  };
  try {
    await ensureLocalSecrets(run, { 'rabbitmq-password': 'guest' });
    await mysqlComponent.up(run);
    await binlogArchiveComponent.up(run);
  } catch (error) {
    await close();
    throw error;
  }
  return { description: `a throwaway cluster (${stateDir}, ports ${base}..${base + 2})`, close };
}
