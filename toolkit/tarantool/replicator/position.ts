import type { MsgValue } from '../../../lib/tarantool/msgpack.ts';

/** Where in the master's binlog the replica stands: after `position` in `file`, or after the GTIDs in `gtid`. */
export interface BinlogPosition {
  file: string;
  position: number;
  /** MariaDB GTID position (domain-server-seq,...) or MySQL executed GTID set; '' when unknown. */
  gtid: string;
  /** Unix seconds of the last event applied (the snapshot's time right after an initial load). */
  eventTime: number;
}

export interface StoredPosition extends BinlogPosition {
  /** Unix seconds when Tarantool stored it. */
  appliedAt: number;
}

/** The replication_position tuple: {stream, file, position, gtid, event_time, applied_at}. */
export function positionFromTuple(tuple: MsgValue): StoredPosition | undefined {
  if (!Array.isArray(tuple)) return undefined;
  return {
    file: String(tuple[1]),
    position: Number(tuple[2]),
    gtid: String(tuple[3] ?? ''),
    eventTime: Number(tuple[4] ?? 0),
    appliedAt: Number(tuple[5] ?? 0),
  };
}

export function positionArgs(stream: number, p: BinlogPosition): MsgValue[] {
  return [stream, p.file, p.position, p.gtid, p.eventTime];
}

export function describePosition(p: BinlogPosition): string {
  return `${p.file}:${p.position}${p.gtid ? ` (GTID ${p.gtid})` : ''}`;
}
