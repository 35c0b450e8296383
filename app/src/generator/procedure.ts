import type { Connection } from 'mysql2/promise';
import type { Run } from '../../../toolkit/procedure/run.ts';
import { hashPassword } from '../auth/password.ts';
import type { MysqlTarget } from '../platform/config.ts';
import { IdGenerator } from '../platform/ids.ts';
import { migrateAll } from '../platform/migrations.ts';
import { connect, loadLines, value } from './load.ts';
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

/** The users generator as runbook steps: schema, users, friendships, posts, dialogs, a search check. */
export async function generateProcedure(
  run: Run,
  targets: GenerateTargets,
  options: GenerateOptions,
): Promise<void> {
  const { host } = targets;
  if (!run.dryRun) {
    await run.step('schema', host, async () => {
      const applied = (await migrateAll(targets)).flatMap((r) => r.applied.map((a) => `${r.set}/${a}`));
      return applied.length
        ? { status: 'changed', detail: `applied ${applied.join(', ')}` }
        : { status: 'ok', detail: 'migrated' };
    });
  }
  const conn = await connect(targets.master);
  run.onClose(() => conn.end());
  const existing = Number(await value(conn, 'SELECT COUNT(*) FROM `user`'));
  const maxId = Number((await value(conn, 'SELECT COALESCE(MAX(id), 0) FROM `user`')) ?? 0);
  const need = Math.max(0, options.target - existing);
  await run.check(
    'user count',
    host,
    async () => `${existing.toLocaleString('en-US')} users, ${need.toLocaleString('en-US')} to add`,
  );
  if (need === 0) {
    await ensureIndexes(run, conn, host);
    return;
  }

  const pick = seededRandom(options.seed + maxId);
  const first = maxId + 1;
  const last = maxId + need;
  const defer = options.deferIndex && existing === 0 && need >= deferThreshold;

  await run.action(
    'users',
    host,
    `load ${need.toLocaleString('en-US')} users (ids ${first}..${last})`,
    async () => {
      const cities = loadCities();
      const hash = await hashPassword(options.password);
      if (defer && (await hasIndex(conn, 'user', 'user_name_prefix')))
        await conn.query('ALTER TABLE `user` DROP INDEX user_name_prefix');
      const meter = run.meter('users', need, 'rows');
      let loaded = 0;
      for (const [from, to] of chunks(first, last + 1, options.chunkRows)) {
        loaded += await loadLines(
          conn,
          'user',
          userColumns,
          lines(from, to, (id) => userLine(id, pick, cities, hash)),
        );
        meter.advance(to - from);
      }
      return `${loaded.toLocaleString('en-US')} users at ${Math.round(meter.rate()).toLocaleString('en-US')}/s`;
    },
  );

  const friends = Math.round(options.friendsPerUser);
  if (friends > 0) {
    await run.action('friendships', host, `${friends} friends per new user`, async () => {
      const meter = run.meter('friendships', need * friends, 'rows');
      const deferFollowers = defer && Number(await value(conn, 'SELECT COUNT(*) FROM friend')) === 0;
      if (deferFollowers && (await hasIndex(conn, 'friend', 'friend_followers')))
        await conn.query('ALTER TABLE friend DROP INDEX friend_followers');
      let loaded = 0;
      for (const [from, to] of chunks(
        first,
        last + 1,
        Math.max(1, Math.floor(options.chunkRows / friends)),
      )) {
        loaded += await loadLines(
          conn,
          'friend',
          ['user_id', 'friend_id'],
          friendLines(from, to, friends, last, pick),
        );
        meter.advance((to - from) * friends);
      }
      return `${loaded.toLocaleString('en-US')} friendships at ${Math.round(meter.rate()).toLocaleString('en-US')}/s`;
    });
  }

  const posts = Math.round(need * options.postsPerUser);
  if (posts > 0) {
    await run.action('posts', host, `${posts.toLocaleString('en-US')} posts`, async () => {
      const loaded = await loadLines(
        conn,
        'post',
        ['author_id', 'text'],
        lines(0, posts, () => postLine(first + pick(need), pick)),
      );
      return `${loaded.toLocaleString('en-US')} posts`;
    });
  }

  const dialogs = Math.min(Math.floor(need / 2), Math.round(need * options.dialogsPerUser));
  if (dialogs > 0) {
    await run.action(
      'dialogs',
      host,
      `${dialogs.toLocaleString('en-US')} dialogs of 4 messages`,
      async () => {
        const chat = await connect(targets.chat);
        try {
          return await loadDialogs(conn, chat, first, dialogs, pick);
        } finally {
          await chat.end();
        }
      },
    );
  }

  await ensureIndexes(run, conn, host);

  await run.check('search', host, async () => {
    const started = process.hrtime.bigint();
    const [rows] = await conn.query(
      "SELECT id FROM `user` WHERE first_name LIKE 'Ал%' AND second_name LIKE 'Се%' ORDER BY first_name, second_name, id LIMIT 100",
    );
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    return `sample search (Ал, Се): ${(rows as unknown[]).length} rows in ${ms.toFixed(1)} ms`;
  });
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
async function loadDialogs(
  conn: Connection,
  chat: Connection,
  first: number,
  dialogs: number,
  pick: (n: number) => number,
): Promise<string> {
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

/** Indexes a bulk load dropped (or an interrupted run left dropped) are built once, after the rows are in. */
const deferredIndexes = [
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

async function ensureIndexes(run: Run, conn: Connection, host: string): Promise<void> {
  let buildSeconds = 0;
  await run.converge({
    name: 'indexes',
    host,
    read: async () => {
      const missing = [];
      for (const index of deferredIndexes)
        if (!(await hasIndex(conn, index.table, index.name))) missing.push(index);
      return missing;
    },
    diff: (missing) => (missing.length ? `build ${missing.map((i) => i.name).join(', ')}` : null),
    describe: () => deferredIndexes.map((i) => i.name).join(', '),
    apply: async (missing) => {
      const started = Date.now();
      for (const index of missing) {
        run.progress(`building ${index.name}`);
        await conn.query(index.ddl);
      }
      buildSeconds = (Date.now() - started) / 1000;
    },
    verify: async (missing) => {
      for (const index of missing)
        if (!(await hasIndex(conn, index.table, index.name)))
          throw new Error(`${index.name} is still missing`);
      return `built in ${buildSeconds.toFixed(1)} s`;
    },
  });
}
