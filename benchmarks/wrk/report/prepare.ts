import { execa } from 'execa';
import { generateProcedure } from '../../../toolkit/app/generate-procedure.ts';
import { defaultGeneratedPassword, migrateTargets } from '../../../toolkit/app/generate-runbook.ts';
import type { Inventory } from '../../../toolkit/inventory/schema.ts';
import { MysqlSession } from '../../../toolkit/mysql/session.ts';
import { ToolkitError } from '../../../toolkit/procedure/errors.ts';
import type { Run } from '../../../toolkit/procedure/run.ts';
import { ensureSearchIndex } from '../search-index.ts';

export async function checkWrk(run: Run): Promise<void> {
  await run.check('wrk', 'localhost', async () => {
    const r = await execa('wrk', ['-v'], { reject: false });
    const version = /wrk\s+\S+/.exec(r.stdout)?.[0];
    if (!version) throw new ToolkitError('wrk is not installed: apt-get install wrk');
    return version;
  });
}

export async function countUsers(inventory: Inventory): Promise<number> {
  const s = await MysqlSession.open(inventory.mysql.master, inventory.mysql.admin, { timeoutMs: 5000 });
  try {
    await s.exec('USE ??', [inventory.mysql.database]);
    return Number(await s.value('SELECT COUNT(*) FROM `user`').catch(() => '0'));
  } finally {
    await s.close();
  }
}

/** How much else the generator adds per new user (the scale curve adds users alone). */
export type PerUser = { friendsPerUser: number; postsPerUser: number; dialogsPerUser: number };

/**
 * Users topped up to `users` by the generator's own procedure (the same code as scripts/generate-users.mjs),
 * timed, and the search index checked (restored if an earlier run left it dropped).
 */
export async function topUpUsers(
  run: Run,
  inventory: Inventory,
  targets: Parameters<typeof generateProcedure>[1],
  users: number,
  perUser: PerUser,
): Promise<{ before: number; generateSeconds: number }> {
  const before = run.dryRun ? 0 : await countUsers(inventory).catch(() => 0);
  const t0 = Date.now();
  await generateProcedure(run, targets, {
    target: users,
    ...perUser,
    chunkRows: 100_000,
    password: defaultGeneratedPassword,
    deferIndex: true,
    seed: 42,
  });
  const generateSeconds = (Date.now() - t0) / 1000;
  await ensureSearchIndex(run, inventory);
  return { before, generateSeconds };
}

/**
 * Users topped up by the generator's own procedure (the same code as scripts/generate-users.mjs),
 * timed; the search index checked (restored if an earlier run left it dropped); the app's account
 * proven on every slave.
 */
export async function prepareData(
  run: Run,
  inventory: Inventory,
  users: number,
): Promise<{ before: number; generateSeconds: number }> {
  const { before, generateSeconds } = await topUpUsers(run, inventory, migrateTargets(inventory), users, {
    friendsPerUser: 3,
    postsPerUser: 0.1,
    dialogsPerUser: 0.01,
  });
  for (const slave of inventory.mysql.slaves)
    await run.check('app user on slave', slave.name, async () => {
      const s = await MysqlSession.open(slave, inventory.mysql.app, { timeoutMs: 5000 }).catch(
        (error: Error) => {
          throw new ToolkitError(
            `the app's user cannot log in to ${slave.name} (${error.message}); the local environment's app component creates it (npm run up)`,
          );
        },
      );
      await s.close();
      return `'${inventory.mysql.app.user}' logs in`;
    });
  return { before, generateSeconds };
}
