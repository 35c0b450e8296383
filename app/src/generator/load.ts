import { Readable } from 'node:stream';
import type { Connection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { openConnection } from '../../../lib/mysql.ts';
import type { MysqlTarget } from '../platform/config.ts';

export function connect(target: MysqlTarget): Promise<Connection> {
  return openConnection(target);
}

export async function value(conn: Connection, sql: string, values: unknown[] = []): Promise<string | null> {
  const [rows] = await conn.query<RowDataPacket[]>(sql, values);
  const first = rows[0];
  return first ? (Object.values(first)[0] as string | null) : null;
}

/**
 * Streams generated lines into a table with LOAD DATA LOCAL INFILE: the server parses the rows
 * itself, one statement per chunk, far faster than INSERTs. IGNORE skips rows whose key exists
 * (a top-up racing a registration, a friendship drawn twice).
 */
export async function loadLines(
  conn: Connection,
  table: string,
  columns: string[],
  lines: Iterable<string>,
): Promise<number> {
  const [result] = await conn.query<ResultSetHeader>({
    sql: `LOAD DATA LOCAL INFILE 'generated.tsv' IGNORE INTO TABLE ?? CHARACTER SET utf8mb4
          FIELDS TERMINATED BY '\\t' ESCAPED BY '' LINES TERMINATED BY '\\n' (${columns.map(() => '??').join(', ')})`,
    values: [table, ...columns],
    infileStreamFactory: () => Readable.from(batched(lines)),
  });
  return result.affectedRows;
}

/** Lines joined into ~64 KiB buffers (mysql2 copies Buffers): one chunk per line would cost more than the lines. */
function* batched(lines: Iterable<string>): Generator<Buffer> {
  let buffer = '';
  for (const line of lines) {
    buffer += line;
    if (buffer.length >= 65_536) {
      yield Buffer.from(buffer, 'utf8');
      buffer = '';
    }
  }
  if (buffer) yield Buffer.from(buffer, 'utf8');
}
