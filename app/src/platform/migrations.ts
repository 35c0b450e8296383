import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { openConnection } from '../../../lib/mysql.ts';
import type { MysqlTarget } from './config.ts';

export const migrationsDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../migrations');

export interface Migration {
  version: number;
  name: string;
  statements: string[];
  checksum: string;
}

/** Where a set of migrations goes: the app's master, or chat_message's own connection. */
export interface MigrationSet {
  name: 'main' | 'chat';
  table: string;
}

export const migrationSets: MigrationSet[] = [
  { name: 'main', table: 'schema_migration' },
  { name: 'chat', table: 'schema_migration_chat' },
];

/** NNN_name.sql files, in version order; statements end with `;` at the end of a line. */
export function loadMigrations(dir: string): Migration[] {
  const files = readdirSync(dir)
    .filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f))
    .sort();
  return files.map((file) => {
    const text = readFileSync(join(dir, file), 'utf8');
    const statements = text
      .split('\n')
      .filter((line) => !line.trimStart().startsWith('--'))
      .join('\n')
      .split(/;\s*(?:\n|$)/)
      .map((s) => s.trim())
      .filter(Boolean);
    return {
      version: Number(file.slice(0, 3)),
      name: file.slice(4, -4),
      statements,
      checksum: createHash('sha256').update(text).digest('hex'),
    };
  });
}

export interface MigrationReport {
  set: string;
  applied: string[];
  current: number;
}

/**
 * Forward only: applies what the database has not seen yet, one migration at a time, under a named
 * lock (two containers starting together do not race), and refuses to run if an applied file changed.
 */
export async function migrate(
  target: MysqlTarget,
  set: MigrationSet,
  dir = join(migrationsDir, set.name),
): Promise<MigrationReport> {
  const conn = await openConnection(target);
  try {
    await conn.query(
      `CREATE TABLE IF NOT EXISTS ${set.table} (
        version INT UNSIGNED NOT NULL PRIMARY KEY,
        name VARCHAR(200) NOT NULL,
        checksum CHAR(64) NOT NULL,
        applied_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
      ) ENGINE = InnoDB`,
    );
    const [locked] = await conn.query<RowDataPacket[]>('SELECT GET_LOCK(?, 60) AS ok', [
      `${target.database}.${set.table}`,
    ]);
    if (Number(locked[0]?.ok) !== 1)
      throw new Error(`could not take the migration lock of ${set.table} within 60 s`);
    try {
      return await applyPending(conn, set, loadMigrations(dir));
    } finally {
      await conn.query('SELECT RELEASE_LOCK(?)', [`${target.database}.${set.table}`]);
    }
  } finally {
    await conn.end();
  }
}

async function applyPending(
  conn: Connection,
  set: MigrationSet,
  migrations: Migration[],
): Promise<MigrationReport> {
  const [rows] = await conn.query<RowDataPacket[]>(
    `SELECT version, name, checksum FROM ${set.table} ORDER BY version`,
  );
  const applied = new Map(rows.map((r) => [Number(r.version), String(r.checksum)]));
  for (const m of migrations) {
    const seen = applied.get(m.version);
    if (seen !== undefined && seen !== m.checksum) {
      throw new Error(
        `migration ${set.name}/${m.version}_${m.name} changed after it was applied; add a new migration instead`,
      );
    }
  }
  const done: string[] = [];
  for (const m of migrations.filter((x) => !applied.has(x.version))) {
    for (const statement of m.statements) await conn.query(statement);
    await conn.query(`INSERT INTO ${set.table} (version, name, checksum) VALUES (?, ?, ?)`, [
      m.version,
      m.name,
      m.checksum,
    ]);
    done.push(`${m.version}_${m.name}`);
  }
  const current = Math.max(
    0,
    ...migrations
      .filter((m) => applied.has(m.version) || done.includes(`${m.version}_${m.name}`))
      .map((m) => m.version),
  );
  return { set: set.name, applied: done, current };
}

export async function migrateAll(config: {
  master: MysqlTarget;
  chat: MysqlTarget;
}): Promise<MigrationReport[]> {
  const reports: MigrationReport[] = [];
  for (const set of migrationSets)
    reports.push(await migrate(set.name === 'chat' ? config.chat : config.master, set));
  return reports;
}
