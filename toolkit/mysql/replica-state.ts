import type { MysqlNode } from '../inventory/schema.ts';
import type { ReplicaStatus } from './flavor.ts';
import type { GtidSet } from './gtid.ts';
import type { MysqlSession } from './session.ts';

export interface SlaveState {
  status: ReplicaStatus | null;
  executed: GtidSet;
  /** MariaDB gtid_slave_pos: set once a snapshot finished loading or replication ran. */
  slavePos: string;
  masterExecuted: GtidSet;
  /** Transactions the slave has that the master never had. */
  errant: number;
}

export type SlaveAction = 'ok' | 'start' | 'repoint' | 'seed';

export async function readSlaveState(slave: MysqlSession, master: MysqlSession): Promise<SlaveState> {
  const row = await slave.one(slave.flavor.showReplicaStatus);
  const status = row && (row.Master_Host || row.Source_Host) ? slave.flavor.parseReplicaStatus(row) : null;
  const executed = await slave.executedGtid();
  const masterExecuted = await master.executedGtid();
  const slavePos =
    slave.flavor.version.kind === 'mariadb'
      ? ((await slave.value('SELECT @@GLOBAL.gtid_slave_pos')) ?? '')
      : executed.text;
  return { status, executed, slavePos, masterExecuted, errant: masterExecuted.missingFrom(executed) };
}

/** Decides what a slave needs so that it replicates from the master with GTID auto-positioning. */
export function classifySlave(
  state: SlaveState,
  master: MysqlNode,
  replicationUser: string,
): { action: SlaveAction; reason: string } {
  const { status } = state;
  if (state.errant > 0)
    return { action: 'seed', reason: `diverged: ${state.errant} transaction(s) the master never had` };
  if (status && (status.sqlErrno !== 0 || status.ioErrno === 1236)) {
    const error = status.sqlErrno !== 0 ? status.sqlError : status.ioError;
    return { action: 'seed', reason: `diverged: ${error.slice(0, 160)}` };
  }
  if (!status) {
    // A snapshot loads with binlogging off, so a half-loaded slave has neither position; a former master has its binlog's.
    if (state.slavePos === '' && state.executed.isEmpty())
      return { action: 'seed', reason: 'empty: never seeded from the master' };
    return {
      action: 'repoint',
      reason: `holds ${state.slavePos || state.executed.text}, replication not configured`,
    };
  }
  const pointsAtMaster = status.sourceHost === master.host && status.sourcePort === master.port;
  if (!pointsAtMaster)
    return {
      action: 'repoint',
      reason: `replicates from ${status.sourceHost}:${status.sourcePort}, not ${master.name}`,
    };
  if (!status.autoPosition)
    return { action: 'repoint', reason: 'uses file/position, not GTID auto-positioning' };
  if (status.sourceUser !== replicationUser)
    return { action: 'repoint', reason: `connects as ${status.sourceUser}, not ${replicationUser}` };
  if (status.ioState === 'No' || !status.sqlRunning) {
    return {
      action: 'start',
      reason: `replication stopped (io ${status.ioState}, sql ${status.sqlRunning ? 'Yes' : 'No'})`,
    };
  }
  if (status.ioErrno !== 0 && status.ioState !== 'Yes')
    return { action: 'repoint', reason: `io thread failing: ${status.ioError.slice(0, 160)}` };
  return { action: 'ok', reason: '' };
}

export function describeReplica(status: ReplicaStatus | null): string {
  if (!status) return 'not replicating';
  const lag = status.secondsBehind === null ? 'lag unknown' : `lag ${status.secondsBehind} s`;
  return `from ${status.sourceHost}:${status.sourcePort}, io ${status.ioState}, sql ${status.sqlRunning ? 'Yes' : 'No'}, ${lag}`;
}
