import type { ResultSetHeader } from 'mysql2/promise';
import { openConnection } from '../../lib/mysql.ts';
import type { Inventory } from '../inventory/schema.ts';
import { resolveSecret } from '../inventory/secrets.ts';

/** A row the load wrote and the server acknowledged (its commit returned). */
export interface AckedRow {
  table: string;
  id: string;
  writer: number;
  n: number;
  /** When the insert was sent and when its commit was acknowledged (epoch ms). */
  startedAt: number;
  endedAt: number;
}

/**
 * The restore drill's write load: writers insert into the given tables on the master, one
 * autocommit insert at a time, and keep every row whose commit was acknowledged. stop() lets each
 * writer finish the insert in flight, so afterwards the record is exactly what was committed.
 */
export class WriteLoad {
  readonly acked: AckedRow[] = [];
  private running = true;
  private readonly writers: Promise<void>[];
  readonly errors: string[] = [];

  constructor(inventory: Inventory, tables: string[], writers: number) {
    const { master, app, database } = inventory.mysql;
    this.writers = Array.from({ length: writers }, async (_, writer) => {
      const conn = await openConnection({
        host: master.host,
        port: master.port,
        user: app.user,
        password: resolveSecret(app.password),
        database,
      });
      try {
        for (let n = 0; this.running; n++) {
          const table = tables[n % tables.length]!;
          const startedAt = Date.now();
          const [result] = await conn.query<ResultSetHeader>(
            'INSERT INTO ?? (writer, n, body) VALUES (?, ?, ?)',
            [table, writer, n, `w${writer}-${n}`],
          );
          this.acked.push({ table, id: String(result.insertId), writer, n, startedAt, endedAt: Date.now() });
        }
      } catch (error) {
        this.errors.push((error as Error).message);
      } finally {
        conn.destroy();
      }
    });
  }

  async stop(): Promise<AckedRow[]> {
    this.running = false;
    await Promise.all(this.writers);
    return this.acked;
  }
}

/** A table the load writes into (`??`: its name). */
export const drillTableSql =
  'CREATE TABLE IF NOT EXISTS ?? (id BIGINT AUTO_INCREMENT PRIMARY KEY, writer INT NOT NULL, n INT NOT NULL, body VARCHAR(64) NOT NULL) ENGINE=InnoDB';

/** Rows of `table` on a server as "id writer n", sorted by id, to compare with what the load recorded. */
export function describeRows(rows: Array<{ id: string | number; writer: number; n: number }>): string[] {
  return rows
    .map((r) => ({ id: BigInt(r.id), line: `${r.id} ${r.writer} ${r.n}` }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((r) => r.line);
}
