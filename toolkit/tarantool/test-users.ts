import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../inventory/paths.ts';
import type { MysqlSession } from '../mysql/session.ts';

const migration = join(repoRoot, 'app', 'migrations', 'main', '001_users.sql');

/** Creates the app's `user` table from the app's own migration file (whatever its DDL is today). */
export async function createUserTable(session: MysqlSession, database: string): Promise<void> {
  await session.exec(`CREATE DATABASE IF NOT EXISTS \`${database}\``);
  await session.exec(`USE \`${database}\``);
  const statements = readFileSync(migration, 'utf8')
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('--'))
    .join('\n')
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const statement of statements) await session.exec(statement);
}

/**
 * Names that exercise everything a copy can get wrong: case and accents (MariaDB's unicode_ci
 * ignores both), Cyrillic, quotes, backslashes, tabs and newlines.
 */
export const firstNames = [
  'Анна',
  'Anton',
  'Ángel',
  'anna',
  'Иван',
  'ivan',
  'Ёлка',
  'Zoë',
  "O'Neil",
  'Back\\slash',
];
export const secondNames = [
  'Иванов',
  'Ivanova',
  'petrov',
  'Петрова',
  'Öström',
  'Smith "Q"',
  'Tab\tName',
  'Line\nBreak',
  'Car\rReturn',
  'Nul\0Byte',
];

function sqlList(values: string[]): string {
  return values
    .map(
      (v) =>
        `'${v
          .replace(/\\/g, '\\\\')
          .replace(/'/g, "\\'")
          .replace(/\t/g, '\\t')
          .replace(/\n/g, '\\n')
          .replace(/\r/g, '\\r')
          .replace(/\0/g, '\\0')}'`,
    )
    .join(', ');
}

/**
 * Inserts `count` users with ids from `firstId`, in one INSERT ... SELECT over MariaDB's sequence
 * engine: a million rows take seconds, where row-by-row inserts would take minutes.
 */
export async function insertUsers(
  session: MysqlSession,
  database: string,
  firstId: number,
  count: number,
): Promise<void> {
  const last = firstId + count - 1;
  await session.exec(
    `INSERT INTO \`${database}\`.\`user\` (id, first_name, second_name, birthdate, gender, biography, city, email, password_hash, created_at)
     SELECT seq,
       ELT(1 + seq % ${firstNames.length}, ${sqlList(firstNames)}),
       CONCAT(ELT(1 + (seq DIV ${firstNames.length}) % ${secondNames.length}, ${sqlList(secondNames)}), seq % 101),
       IF(seq % 13 = 0, NULL, DATE('1950-01-01') + INTERVAL (seq * 7919) % 20000 DAY),
       ELT(1 + seq % 3, 'male', 'female', NULL),
       IF(seq % 5 = 0, NULL, CONCAT('Bio ', seq, ' — любит \\\\ и "кавычки"')),
       ELT(1 + seq % 4, 'Москва', 'Kazan', 'Санкт-Петербург', NULL),
       IF(seq % 2 = 0, CONCAT('u', seq, '@example.com'), NULL),
       'x',
       TIMESTAMP('2020-01-01 00:00:00') + INTERVAL seq SECOND
     FROM \`${database}\`.seq_${firstId}_to_${last}`,
  );
}
