import type { TarantoolClient } from '../../lib/tarantool/iproto.ts';
import type { MsgValue } from '../../lib/tarantool/msgpack.ts';
import type { MysqlSession } from '../mysql/session.ts';
import type { Mapping } from './replicator/config.ts';

export interface Comparison {
  mysqlRows: number;
  tarantoolRows: number;
  /** Rows missing on either side or with different values, up to `limit` of them. */
  differences: string[];
}

/** Every row of a mapped table as a line of its replicated columns, keyed by the first key field. */
async function mysqlLines(session: MysqlSession, mapping: Mapping): Promise<Map<string, string>> {
  const columns = mapping.columns.map((c) => `\`${c}\``).join(', ');
  const rows = await session.query(`SELECT ${columns} FROM \`${mapping.database}\`.\`${mapping.table}\``);
  const lines = new Map<string, string>();
  for (const row of rows) {
    const values = mapping.columns.map((c) => (row[c] === null ? null : String(row[c])));
    lines.set(String(values[mapping.key_fields[0]!]), JSON.stringify(values));
  }
  return lines;
}

async function tarantoolLines(admin: TarantoolClient, mapping: Mapping): Promise<Map<string, string>> {
  const lines = new Map<string, string>();
  let after: MsgValue = null;
  for (;;) {
    const [page] = await admin.eval(
      `local space, after = ...
       if after == nil then return box.space[space]:select({}, {limit = 20000}) end
       return box.space[space]:select({after}, {iterator = 'GT', limit = 20000})`,
      [mapping.space, after],
    );
    const tuples = (page ?? []) as MsgValue[][];
    if (tuples.length === 0) return lines;
    for (const t of tuples) {
      const values = mapping.columns.map((_, i) =>
        t[i] === null || t[i] === undefined ? null : String(t[i]),
      );
      lines.set(String(values[mapping.key_fields[0]!]), JSON.stringify(values));
    }
    after = tuples[tuples.length - 1]![mapping.key_fields[0]!] ?? null;
  }
}

/** Compares a MySQL table with its Tarantool space row by row (by value, as text). */
export async function compareReplica(
  session: MysqlSession,
  admin: TarantoolClient,
  mapping: Mapping,
  limit = 5,
): Promise<Comparison> {
  const [mine, theirs] = await Promise.all([mysqlLines(session, mapping), tarantoolLines(admin, mapping)]);
  const differences: string[] = [];
  for (const [key, line] of mine) {
    if (differences.length >= limit) break;
    const other = theirs.get(key);
    if (other === undefined) differences.push(`${key}: missing in Tarantool`);
    else if (other !== line) differences.push(`${key}: MySQL ${line} ≠ Tarantool ${other}`);
  }
  for (const key of theirs.keys()) {
    if (differences.length >= limit) break;
    if (!mine.has(key)) differences.push(`${key}: in Tarantool only`);
  }
  return { mysqlRows: mine.size, tarantoolRows: theirs.size, differences };
}
