import type { Connection } from 'mysql2/promise';
import { hashPassword } from '../auth/password.ts';
import type { MysqlTarget } from '../platform/config.ts';
import { IdGenerator } from '../platform/ids.ts';
import { loadLines, value } from './load.ts';
import { postText } from './names.ts';
import { seededRandom } from './random.ts';
import { chunks, loadCities, postLine, userLine } from './rows.ts';

export interface GenerateOptions {
  /** Users the table should hold when done (a top-up adds only the difference). */
  target: number;
  friendsPerUser: number;
  postsPerUser: number;
  dialogsPerUser: number;
  chunkRows: number;
  /** The one password every generated user shares (hashed once). */
  password: string;
  /** Drop the name index for a bulk load into an empty table and build it once afterwards. */
  deferIndex: boolean;
  seed: number;
}

export interface GenerateTargets {
  master: MysqlTarget;
  chat: MysqlTarget;
  host: string;
}

/** What a loading phase reports as it goes: rows done since the last call. The caller decides how to show it. */
export interface LoadProgress {
  advance(rows: number): void;
}

/** What a top-up has to do, from what the table holds now. */
export interface GeneratePlan {
  existing: number;
  /** Users to add; 0 when the table already holds the target. */
  need: number;
  first: number;
  last: number;
  /** Load with the name index dropped, built once at the end (a bulk load into an empty table). */
  defer: boolean;
  /** The seeded random source every phase draws from, in order. */
  pick: (n: number) => number;
}

const userColumns = [
  'id',
  'first_name',
  'second_name',
  'birthdate',
  'gender',
  'biography',
  'city',
  'password_hash',
];
const deferThreshold = 100_000;

export async function planGeneration(conn: Connection, options: GenerateOptions): Promise<GeneratePlan> {
  const existing = Number(await value(conn, 'SELECT COUNT(*) FROM `user`'));
  const maxId = Number((await value(conn, 'SELECT COALESCE(MAX(id), 0) FROM `user`')) ?? 0);
  const need = Math.max(0, options.target - existing);
  return {
    existing,
    need,
    first: maxId + 1,
    last: maxId + need,
    defer: options.deferIndex && existing === 0 && need >= deferThreshold,
    pick: seededRandom(options.seed + maxId),
  };
}

export async function loadUsers(
  conn: Connection,
  plan: GeneratePlan,
  options: GenerateOptions,
  progress: LoadProgress,
): Promise<number> {
  const cities = loadCities();
  const hash = await hashPassword(options.password);
  if (plan.defer && (await hasIndex(conn, 'user', 'user_name_prefix')))
    await conn.query('ALTER TABLE `user` DROP INDEX user_name_prefix');
  let loaded = 0;
  for (const [from, to] of chunks(plan.first, plan.last + 1, options.chunkRows)) {
    loaded += await loadLines(
      conn,
      'user',
      userColumns,
      lines(from, to, (id) => userLine(id, plan.pick, cities, hash)),
    );
    progress.advance(to - from);
  }
  return loaded;
}

export async function loadFriendships(
  conn: Connection,
  plan: GeneratePlan,
  options: GenerateOptions,
  friends: number,
  progress: LoadProgress,
): Promise<number> {
  const deferFollowers = plan.defer && Number(await value(conn, 'SELECT COUNT(*) FROM friend')) === 0;
  if (deferFollowers && (await hasIndex(conn, 'friend', 'friend_followers')))
    await conn.query('ALTER TABLE friend DROP INDEX friend_followers');
  let loaded = 0;
  for (const [from, to] of chunks(
    plan.first,
    plan.last + 1,
    Math.max(1, Math.floor(options.chunkRows / friends)),
  )) {
    loaded += await loadLines(
      conn,
      'friend',
      ['user_id', 'friend_id'],
      friendLines(from, to, friends, plan.last, plan.pick),
    );
    progress.advance((to - from) * friends);
  }
  return loaded;
}

export function loadPosts(conn: Connection, plan: GeneratePlan, posts: number): Promise<number> {
  return loadLines(
    conn,
    'post',
    ['author_id', 'text'],
    lines(0, posts, () => postLine(plan.first + plan.pick(plan.need), plan.pick)),
  );
}

function* lines(from: number, to: number, line: (i: number) => string): Generator<string> {
  for (let i = from; i < to; i++) yield line(i);
}

function* friendLines(
  from: number,
  to: number,
  perUser: number,
  maxId: number,
  pick: (n: number) => number,
): Generator<string> {
  for (let user = from; user < to; user++) {
    for (let i = 0; i < perUser; i++) {
      const friend = 1 + pick(maxId);
      if (friend !== user) yield `${user}\t${friend}\n`;
    }
  }
}

/** Pairs of new users (first+2i, first+2i+1), each with a chat, two members and four messages. */
export async function loadDialogs(
  conn: Connection,
  chat: Connection,
  plan: GeneratePlan,
  dialogs: number,
): Promise<string> {
  const { first, pick } = plan;
  const chatBase = Number((await value(conn, 'SELECT COALESCE(MAX(id), 0) FROM chat')) ?? 0) + 1;
  const ids = new IdGenerator(1023);
  const chats: string[] = [];
  const members: string[] = [];
  const messages: string[] = [];
  for (let i = 0; i < dialogs; i++) {
    const [a, b] = [first + 2 * i, first + 2 * i + 1];
    const chatId = chatBase + i;
    let lastId = '';
    let lastFrom = a;
    let lastText = '';
    for (let m = 0; m < 4; m++) {
      const [from, to] = m % 2 === 0 ? [a, b] : [b, a];
      lastId = String(ids.next());
      lastFrom = from;
      lastText = postText(pick);
      messages.push(`${chatId}\t${lastId}\t${from}\t${to}\t${lastText}\n`);
    }
    chats.push(`${chatId}\t${a}\t${b}\t${lastId}\t${lastFrom}\t${lastText}\n`);
    members.push(`${a}\t${chatId}\t${b}\n`, `${b}\t${chatId}\t${a}\n`);
  }
  await loadLines(
    conn,
    'chat',
    ['id', 'user_low', 'user_high', 'last_message_id', 'last_message_from', 'last_message_text'],
    chats,
  );
  await conn.query('UPDATE chat SET last_message_at = NOW(3) WHERE id >= ? AND last_message_at IS NULL', [
    chatBase,
  ]);
  await loadLines(conn, 'chat_member', ['user_id', 'chat_id', 'peer_id'], members);
  const loaded = await loadLines(
    chat,
    'chat_message',
    ['chat_id', 'id', 'from_user_id', 'to_user_id', 'text'],
    messages,
  );
  return `${dialogs.toLocaleString('en-US')} dialogs, ${loaded.toLocaleString('en-US')} messages`;
}

async function hasIndex(conn: Connection, table: string, index: string): Promise<boolean> {
  return (
    Number(
      await value(
        conn,
        'SELECT COUNT(*) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND INDEX_NAME = ?',
        [table, index],
      ),
    ) > 0
  );
}

export interface DeferredIndex {
  table: string;
  name: string;
  ddl: string;
}

/** Indexes a bulk load dropped (or an interrupted run left dropped) are built once, after the rows are in. */
export const deferredIndexes: DeferredIndex[] = [
  {
    table: 'user',
    name: 'user_name_prefix',
    ddl: 'ALTER TABLE `user` ADD INDEX user_name_prefix (first_name, second_name)',
  },
  {
    table: 'friend',
    name: 'friend_followers',
    ddl: 'ALTER TABLE friend ADD INDEX friend_followers (friend_id, user_id)',
  },
];

export async function missingIndexes(conn: Connection): Promise<DeferredIndex[]> {
  const missing = [];
  for (const index of deferredIndexes)
    if (!(await hasIndex(conn, index.table, index.name))) missing.push(index);
  return missing;
}

export async function buildIndex(conn: Connection, index: DeferredIndex): Promise<void> {
  await conn.query(index.ddl);
}

/** One search the way the app runs it, timed: proof the data and the index serve. */
export async function sampleSearch(conn: Connection): Promise<string> {
  const started = process.hrtime.bigint();
  const [rows] = await conn.query(
    "SELECT id FROM `user` WHERE first_name LIKE 'Ал%' AND second_name LIKE 'Се%' ORDER BY first_name, second_name, id LIMIT 100",
  );
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  return `sample search (Ал, Се): ${(rows as unknown[]).length} rows in ${ms.toFixed(1)} ms`;
}
