import { waitFor } from '../../../lib/poll.ts';
import type { TarantoolClient } from '../../../lib/tarantool/iproto.ts';
import type { Inventory } from '../../inventory/schema.ts';
import type { MysqlSession } from '../../mysql/session.ts';
import { compareReplica } from '../../tarantool/compare.ts';
import { gtidSequences, measureLag } from '../../tarantool/lag.ts';
import { loadReplicatorConfig } from '../../tarantool/replicator/config.ts';
import { positionFromTuple } from '../../tarantool/replicator/position.ts';
import { replicatorConfigFile } from '../../tarantool/server.ts';
import { drillTextPrefix, type Op } from './load.ts';

export interface LostWrites {
  acknowledged: number;
  /** Acknowledged ids not on the master. */
  missing: string[];
  /** Acknowledged ids whose row holds something else than the client wrote. */
  different: string[];
  /** The load's texts (a post's text, a user's biography) stored more than once: a write that ran twice. */
  duplicates: string[];
}

/** The two writes of the load: what each stores its unique text in. */
const writeTables = [
  ['post', 'post', 'text'],
  ['register', 'user', 'biography'],
] as const;

/**
 * Every write the app acknowledged, looked up row by row on the master by the id the client was
 * told: a post must hold its text, a registered user its biography. And every text of the run (all
 * begin `drill <runId> `, load.ts) counted, acknowledged or not: none may be stored twice.
 */
export async function findLostWrites(
  master: MysqlSession,
  database: string,
  load: { ops: readonly Op[]; runId: string },
): Promise<LostWrites> {
  const { ops } = load;
  const acknowledged = ops.filter((op) => op.id && op.text);
  const missing: string[] = [];
  const different: string[] = [];
  for (const [kind, table, column] of writeTables) {
    const mine = acknowledged.filter((op) => op.kind === kind);
    for (let i = 0; i < mine.length; i += 500) {
      const chunk = mine.slice(i, i + 500);
      const rows = await master.query(
        `SELECT id, ?? AS stored FROM ??.?? WHERE id IN (${chunk.map(() => '?').join(',')})`,
        [column, database, table, ...chunk.map((op) => op.id!)],
      );
      const stored = new Map(rows.map((r) => [String(r.id), String(r.stored)]));
      for (const op of chunk) {
        const found = stored.get(op.id!);
        if (found === undefined) missing.push(`${kind} ${op.id}`);
        else if (found !== op.text) different.push(`${kind} ${op.id}`);
      }
    }
  }
  const duplicates = await findDuplicateWrites(master, database, load.runId);
  return { acknowledged: acknowledged.length, missing, different, duplicates };
}

/** The run's texts stored more than once, as `<kind> <text> ×<count>`: one scan of each table. */
export async function findDuplicateWrites(
  master: MysqlSession,
  database: string,
  runId: string,
): Promise<string[]> {
  if (!/^[0-9a-f]+$/.test(runId)) throw new Error(`a drill run id is hex, not ${JSON.stringify(runId)}`);
  const duplicates: string[] = [];
  for (const [kind, table, column] of writeTables) {
    const rows = await master.query(
      `SELECT ?? AS stored, COUNT(*) AS copies FROM ??.?? WHERE ?? LIKE ? GROUP BY ?? HAVING copies > 1`,
      [column, database, table, column, `${drillTextPrefix(runId)}%`, column],
    );
    for (const r of rows) duplicates.push(`${kind} ${String(r.stored)} ×${String(r.copies)}`);
  }
  return duplicates;
}

/** True once Tarantool's stored position holds every GTID sequence of `target` (domain by domain). */
export async function replicatorReached(admin: TarantoolClient, target: string): Promise<boolean> {
  const [tuple] = await admin.call('replicator_position', [0]);
  const stored = positionFromTuple(tuple);
  if (!stored) return false;
  const mine = gtidSequences(stored.gtid);
  for (const [domain, seq] of gtidSequences(target)) if ((mine.get(domain) ?? 0) < seq) return false;
  return true;
}

export interface ReplicaEquality {
  table: string;
  mysqlRows: number;
  tarantoolRows: number;
  differences: string[];
}

/** Waits for the replicator to catch up with the master, then compares every mapped table row by row. */
export async function compareTarantool(
  master: MysqlSession,
  admin: TarantoolClient,
  inventory: Inventory,
): Promise<ReplicaEquality[]> {
  await waitFor(
    async (why) => {
      const lag = await measureLag(master, admin, 0);
      why(`${lag.behindTransactions ?? '?'} transaction(s) behind`);
      return lag.caughtUp ? true : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 200, what: 'the replicator to catch up with the new master' },
  );
  const env = { MYSQL_HOST: 'unused', TARANTOOL_HOST: 'unused', MYSQL_DATABASE: inventory.mysql.database };
  const out: ReplicaEquality[] = [];
  for (const mapping of loadReplicatorConfig(replicatorConfigFile, env).mappings) {
    const c = await compareReplica(master, admin, mapping);
    out.push({ table: mapping.table, ...c });
  }
  return out;
}
