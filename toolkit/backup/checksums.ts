import { systemDatabases } from '../mysql/seed.ts';
import type { MysqlSession } from '../mysql/session.ts';
import type { TableChecksum } from './manifest.ts';

/** CHECKSUM TABLE and a row count of every base table outside the server's own databases, by name. */
export async function tableChecksums(session: MysqlSession): Promise<TableChecksum[]> {
  const tables = await session.query(
    "SELECT TABLE_SCHEMA AS db, TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_TYPE = 'BASE TABLE' AND TABLE_SCHEMA NOT IN (?) ORDER BY 1, 2",
    [systemDatabases],
  );
  const result: TableChecksum[] = [];
  for (const t of tables) {
    const table = `${t.db}.${t.name}`;
    const row = await session.one('CHECKSUM TABLE ??', [table]);
    const rows = await session.value('SELECT COUNT(*) FROM ??', [table]);
    result.push({ table, rows: Number(rows), checksum: String(row?.Checksum ?? 'null') });
  }
  return result;
}

/** Tables whose checksum or count differ, or that only one side has, in words; empty when equal. */
export function compareChecksums(expected: TableChecksum[], actual: TableChecksum[]): string[] {
  const got = new Map(actual.map((t) => [t.table, t]));
  const differences: string[] = [];
  for (const want of expected) {
    const have = got.get(want.table);
    got.delete(want.table);
    if (!have) differences.push(`${want.table} missing`);
    else if (have.checksum !== want.checksum || have.rows !== want.rows)
      differences.push(
        `${want.table}: ${have.rows} rows, checksum ${have.checksum} (expected ${want.rows} rows, ${want.checksum})`,
      );
  }
  for (const extra of got.keys()) differences.push(`${extra} not in the source`);
  return differences;
}
