import mysql, { type Connection, type RowDataPacket } from 'mysql2';
import { type MysqlEndpoint, mysqlOptions } from '../../../lib/mysql.ts';
import { binaryLogStatusStatement } from './binlog-status.ts';
import type { BinlogPosition } from './position.ts';

function query<T extends RowDataPacket[]>(conn: Connection, sql: string, values: unknown[] = []): Promise<T> {
  return new Promise((resolve, reject) => {
    conn.query<T>(sql, values, (error, rows) => (error ? reject(error) : resolve(rows)));
  });
}

/**
 * A consistent read of the master and the binlog position it corresponds to. On MariaDB,
 * START TRANSACTION WITH CONSISTENT SNAPSHOT reports that position itself (binlog_snapshot_file and
 * _position), so no lock is taken; MySQL needs FLUSH TABLES WITH READ LOCK around the start (RELOAD).
 */
export class Snapshot {
  private constructor(
    private readonly conn: Connection,
    readonly position: BinlogPosition,
  ) {}

  static async open(endpoint: MysqlEndpoint): Promise<Snapshot> {
    const conn = mysql.createConnection(mysqlOptions(endpoint, 10_000));
    conn.on('error', () => {});
    try {
      await query(conn, 'SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
      const [version] = await query(conn, 'SELECT VERSION() AS v');
      const position = /mariadb/i.test(String(version?.v))
        ? await mariadbStart(conn)
        : await mysqlStart(conn, String(version?.v));
      return new Snapshot(conn, position);
    } catch (error) {
      conn.destroy();
      throw error;
    }
  }

  /** Streams the rows as arrays of column values, in batches; waits for each batch's handler. */
  async readTable(
    database: string,
    table: string,
    columns: string[],
    batchSize: number,
    onBatch: (rows: unknown[][]) => Promise<void>,
  ): Promise<number> {
    const sql = `SELECT ${columns.map((c) => mysql.escapeId(c)).join(', ')} FROM ${mysql.escapeId(database)}.${mysql.escapeId(table)}`;
    const stream = this.conn.query({ sql, rowsAsArray: true }).stream({ highWaterMark: batchSize });
    let batch: unknown[][] = [];
    let total = 0;
    for await (const row of stream) {
      batch.push(row as unknown[]);
      if (batch.length >= batchSize) {
        await onBatch(batch);
        total += batch.length;
        batch = [];
      }
    }
    if (batch.length > 0) {
      await onBatch(batch);
      total += batch.length;
    }
    return total;
  }

  async close(): Promise<void> {
    await query(this.conn, 'COMMIT').catch(() => {});
    this.conn.destroy();
  }
}

async function mariadbStart(conn: Connection): Promise<BinlogPosition> {
  await query(conn, 'START TRANSACTION WITH CONSISTENT SNAPSHOT');
  const status = await query(conn, "SHOW STATUS LIKE 'binlog_snapshot_%'");
  const values = new Map(status.map((r) => [String(r.Variable_name).toLowerCase(), String(r.Value)]));
  const file = values.get('binlog_snapshot_file') ?? '';
  const position = Number(values.get('binlog_snapshot_position') ?? 0);
  if (!file) throw new Error('the master has no binary log (log_bin is off): nothing to replicate from');
  const [gtid] = await query(conn, 'SELECT BINLOG_GTID_POS(?, ?) AS gtid', [file, position]);
  return { file, position, gtid: String(gtid?.gtid ?? ''), eventTime: Date.now() / 1000 };
}

async function mysqlStart(conn: Connection, version: string): Promise<BinlogPosition> {
  await query(conn, 'FLUSH TABLES WITH READ LOCK');
  try {
    await query(conn, 'START TRANSACTION WITH CONSISTENT SNAPSHOT');
    const [status] = await query(conn, binaryLogStatusStatement(version));
    if (!status) throw new Error('the master has no binary log (log_bin is off): nothing to replicate from');
    return {
      file: String(status.File),
      position: Number(status.Position),
      gtid: String(status.Executed_Gtid_Set ?? '').replace(/\s/g, ''),
      eventTime: Date.now() / 1000,
    };
  } finally {
    await query(conn, 'UNLOCK TABLES');
  }
}
