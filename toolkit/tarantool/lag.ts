import type { TarantoolClient } from '../../lib/tarantool/iproto.ts';
import type { MysqlSession } from '../mysql/session.ts';
import { positionFromTuple, type StoredPosition } from './replicator/position.ts';

export interface ReplicaLag {
  caughtUp: boolean;
  /** MariaDB: transactions the master has logged that the replica has not applied (summed over GTID domains). */
  behindTransactions?: number;
  /** 0 when caught up; otherwise seconds since the last event the replica applied. */
  lagSeconds: number;
  stored?: StoredPosition;
  master: { file: string; position: number; gtid: string };
}

/** domain → sequence number of a MariaDB GTID position ("0-1-100,1-2-7"). */
export function gtidSequences(position: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const part of position
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [domain, , seq] = part.split('-');
    if (domain !== undefined && seq !== undefined)
      out.set(domain, Math.max(out.get(domain) ?? 0, Number(seq)));
  }
  return out;
}

/** How far the replica's stored position is behind the master's binlog end. */
export async function measureLag(
  master: MysqlSession,
  tarantool: TarantoolClient,
  stream: number,
): Promise<ReplicaLag> {
  const [tuple] = await tarantool.call('replicator_position', [stream]);
  const stored = positionFromTuple(tuple);
  // SHOW MASTER STATUS, or SHOW BINARY LOG STATUS on MySQL 8.2+ (8.4 removed the former).
  const { flavor } = master;
  const status = flavor.parseBinaryLogStatus(await master.one(flavor.binaryLogStatus));
  const isMariadb = flavor.version.kind === 'mariadb';
  const gtid = isMariadb
    ? String(await master.value('SELECT @@GLOBAL.gtid_binlog_pos'))
    : status.executedGtidSet;
  const masterPosition = { file: status.file, position: status.position, gtid };
  if (!stored) return { caughtUp: false, lagSeconds: Number.POSITIVE_INFINITY, master: masterPosition };
  let behind: number | undefined;
  if (isMariadb) {
    const mine = gtidSequences(stored.gtid);
    behind = 0;
    for (const [domain, seq] of gtidSequences(gtid)) behind += Math.max(0, seq - (mine.get(domain) ?? 0));
  }
  const samePlace = stored.file === masterPosition.file && stored.position === masterPosition.position;
  const caughtUp = samePlace || (behind !== undefined ? behind === 0 : stored.gtid === gtid && gtid !== '');
  return {
    caughtUp,
    behindTransactions: behind,
    lagSeconds: caughtUp ? 0 : Math.max(0, Date.now() / 1000 - stored.eventTime),
    stored,
    master: masterPosition,
  };
}
