import {
  buildIndex,
  connect,
  deferredIndexes,
  type GenerateOptions,
  type GenerateTargets,
  loadDialogs,
  loadFriendships,
  loadPosts,
  loadUsers,
  migrateAll,
  missingIndexes,
  planGeneration,
  sampleSearch,
} from '../../app/src/ops.ts';
import type { Run } from '../procedure/run.ts';

export type { GenerateOptions, GenerateTargets };

/** The users generator as runbook steps: schema, users, friendships, posts, dialogs, indexes, a search check. */
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
  const plan = await planGeneration(conn, options);
  const { need, first, last } = plan;
  await run.check(
    'user count',
    host,
    async () => `${plan.existing.toLocaleString('en-US')} users, ${need.toLocaleString('en-US')} to add`,
  );
  if (need === 0) {
    await ensureIndexes(run, conn, host);
    return;
  }

  await run.action(
    'users',
    host,
    `load ${need.toLocaleString('en-US')} users (ids ${first}..${last})`,
    async () => {
      const meter = run.meter('users', need, 'rows');
      const loaded = await loadUsers(conn, plan, options, meter);
      return `${loaded.toLocaleString('en-US')} users at ${Math.round(meter.rate()).toLocaleString('en-US')}/s`;
    },
  );

  const friends = Math.round(options.friendsPerUser);
  if (friends > 0) {
    await run.action('friendships', host, `${friends} friends per new user`, async () => {
      const meter = run.meter('friendships', need * friends, 'rows');
      const loaded = await loadFriendships(conn, plan, options, friends, meter);
      return `${loaded.toLocaleString('en-US')} friendships at ${Math.round(meter.rate()).toLocaleString('en-US')}/s`;
    });
  }

  const posts = Math.round(need * options.postsPerUser);
  if (posts > 0) {
    await run.action('posts', host, `${posts.toLocaleString('en-US')} posts`, async () => {
      const loaded = await loadPosts(conn, plan, posts);
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
          return await loadDialogs(conn, chat, plan, dialogs);
        } finally {
          await chat.end();
        }
      },
    );
  }

  await ensureIndexes(run, conn, host);
  await run.check('search', host, () => sampleSearch(conn));
}

type Conn = Awaited<ReturnType<typeof connect>>;

async function ensureIndexes(run: Run, conn: Conn, host: string): Promise<void> {
  let buildSeconds = 0;
  await run.converge({
    name: 'indexes',
    host,
    read: () => missingIndexes(conn),
    diff: (missing) => (missing.length ? `build ${missing.map((i) => i.name).join(', ')}` : null),
    describe: () => deferredIndexes.map((i) => i.name).join(', '),
    apply: async (missing) => {
      const started = Date.now();
      for (const index of missing) {
        run.progress(`building ${index.name}`);
        await buildIndex(conn, index);
      }
      buildSeconds = (Date.now() - started) / 1000;
    },
    verify: async (missing) => {
      const still = await missingIndexes(conn);
      const left = missing.filter((m) => still.some((s) => s.name === m.name));
      if (left.length) throw new Error(`${left.map((i) => i.name).join(', ')} is still missing`);
      return `built in ${buildSeconds.toFixed(1)} s`;
    },
  });
}
