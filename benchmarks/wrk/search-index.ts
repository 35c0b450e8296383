import { waitFor } from '../../lib/poll.ts';
import type { Inventory, MysqlNode } from '../../toolkit/inventory/schema.ts';
import { MysqlSession } from '../../toolkit/mysql/session.ts';
import type { Run } from '../../toolkit/procedure/run.ts';

/** The index the app's migration (app/migrations/main/001_users.sql) makes for the search. */
export const searchIndex = {
  name: 'user_name_prefix',
  add: 'ALTER TABLE `user` ADD INDEX user_name_prefix (first_name, second_name)',
  drop: 'ALTER TABLE `user` DROP INDEX user_name_prefix',
};

async function withSession<T>(
  inventory: Inventory,
  node: MysqlNode,
  work: (s: MysqlSession) => Promise<T>,
): Promise<T> {
  const session = await MysqlSession.open(node, inventory.mysql.admin, { timeoutMs: 5000 });
  try {
    await session.exec('USE ??', [inventory.mysql.database]);
    return await work(session);
  } finally {
    await session.close();
  }
}

export async function hasSearchIndex(inventory: Inventory, node: MysqlNode): Promise<boolean> {
  return withSession(inventory, node, async (s) => {
    const n = await s.value(
      'SELECT COUNT(*) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND INDEX_NAME = ?',
      ['user', searchIndex.name],
    );
    return Number(n) > 0;
  });
}

/** Waits until every slave has replayed the DDL (a million-row index build replays after the master's). */
async function awaitSlaves(inventory: Inventory, present: boolean): Promise<string> {
  const started = Date.now();
  for (const slave of inventory.mysql.slaves) {
    await waitFor(async () => ((await hasSearchIndex(inventory, slave)) === present ? true : undefined), {
      timeoutMs: 600_000,
      intervalMs: 500,
      what: `${slave.name} to ${present ? 'build' : 'drop'} ${searchIndex.name}`,
    });
  }
  const s = ((Date.now() - started) / 1000).toFixed(1);
  return inventory.mysql.slaves.length ? `slaves followed in ${s} s` : 'no slaves';
}

/**
 * The search index is there, on the master and every slave. A run interrupted while the index was
 * dropped leaves it missing; the next run (any run) puts it back here before measuring anything.
 */
export async function ensureSearchIndex(run: Run, inventory: Inventory): Promise<void> {
  const master = inventory.mysql.master;
  let built = 0;
  await run.converge({
    name: 'search index',
    host: master.name,
    read: async () => hasSearchIndex(inventory, master),
    diff: (present) =>
      present ? null : `restore ${searchIndex.name} (missing: an interrupted run, or a bulk load)`,
    describe: () => `${searchIndex.name} (first_name, second_name) present`,
    apply: async () => {
      const t0 = Date.now();
      await withSession(inventory, master, (s) => s.exec(searchIndex.add));
      built = (Date.now() - t0) / 1000;
    },
    verify: async () => `built in ${built.toFixed(1)} s; ${await awaitSlaves(inventory, true)}`,
  });
  if (!run.dryRun) await awaitSlaves(inventory, true);
}

/**
 * Drops the search index for the no-index series and returns the way back. The DDL replicates, so
 * master and slaves lose (and regain) it together. If the process dies in between, ensureSearchIndex
 * restores it on the next run; a Ctrl-C or SIGTERM restores it before exiting.
 */
export async function withoutSearchIndex<T>(
  run: Run,
  inventory: Inventory,
  work: () => Promise<T>,
): Promise<T> {
  const master = inventory.mysql.master;
  await run.action(
    'drop search index',
    master.name,
    `drop ${searchIndex.name} for the no-index series (restored afterwards, or by the next run)`,
    async () => {
      await withSession(inventory, master, (s) => s.exec(searchIndex.drop));
      return `dropped ${searchIndex.name}; ${await awaitSlaves(inventory, false)}`;
    },
  );
  const restore = async (): Promise<void> => {
    if (!(await hasSearchIndex(inventory, master)))
      await withSession(inventory, master, (s) => s.exec(searchIndex.add));
    await awaitSlaves(inventory, true);
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    process.stderr.write(`${signal}: restoring ${searchIndex.name} before exiting\n`);
    restore().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await work();
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await run.action('restore search index', master.name, `add ${searchIndex.name} back`, async () => {
      const t0 = Date.now();
      await restore();
      return `${searchIndex.name} back on master and slaves in ${((Date.now() - t0) / 1000).toFixed(1)} s`;
    });
  }
}
