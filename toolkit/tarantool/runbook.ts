import { existsSync, readFileSync } from 'node:fs';
import { waitFor } from '../../lib/poll.ts';
import { TarantoolClient } from '../../lib/tarantool/iproto.ts';
import type { Inventory } from '../inventory/schema.ts';
import { resolveSecret } from '../inventory/secrets.ts';
import { MysqlSession } from '../mysql/session.ts';
import { ToolkitError, UsageError } from '../procedure/errors.ts';
import type { RunbookDefinition } from '../procedure/main.ts';
import type { Run } from '../procedure/run.ts';
import { tarantoolAdminCredential } from './credentials.ts';
import { measureLag, type ReplicaLag } from './lag.ts';
import { ensureReplicatorUsers } from './mysql-user.ts';
import { loadReplicatorConfig } from './replicator/config.ts';
import { describePosition } from './replicator/position.ts';
import { ensureTarantoolSchema } from './schema.ts';
import { replicatorConfigFile } from './server.ts';

const flags = {
  restart: { type: 'boolean', description: 'restart the replicator even when it runs', default: false },
  wait: { type: 'number', description: 'seconds to wait for the replicator to catch up', default: 60 },
  'log-lines': { type: 'number', description: 'lines of the replicator log to show', default: 10 },
} as const;

export async function connectAdmin(inventory: Inventory): Promise<TarantoolClient> {
  const target = inventory.tarantool;
  if (!target)
    throw new UsageError(
      `the ${inventory.name} inventory has no tarantool (npm run up starts one when tarantool is installed)`,
    );
  const credential = tarantoolAdminCredential(inventory);
  return TarantoolClient.connect({
    host: target.host,
    port: target.port,
    user: credential.user,
    password: resolveSecret(credential.password),
  });
}

export function describeLag(lag: ReplicaLag): string {
  if (!lag.stored) return 'no position stored: the replicator has not finished an initial load';
  if (lag.caughtUp) return `caught up at ${describePosition(lag.stored)}`;
  const behind = lag.behindTransactions !== undefined ? `${lag.behindTransactions} transactions, ` : '';
  return `behind by ${behind}${Math.round(lag.lagSeconds)} s (at ${describePosition(lag.stored)}, master at ${lag.master.file}:${lag.master.position})`;
}

/** What the local environment (or another environment's process manager) does to (re)start the replicator. */
export interface ReplicatorControl {
  /** Starts it when it is not running, or restarts it when asked; returns what was done, or null when nothing was. */
  ensureRunning(run: Run, restart: boolean): Promise<void>;
  logFile(): string | undefined;
}

/** The tables replicator.yml maps, as it reads them for this inventory's database. */
export function replicatedTables(inventory: Inventory): string[] {
  const env = { MYSQL_HOST: 'unused', TARANTOOL_HOST: 'unused', MYSQL_DATABASE: inventory.mysql.database };
  return loadReplicatorConfig(replicatorConfigFile, env).mappings.map((m) => m.table);
}

/**
 * The runbook, given the environment's way to (re)start the replicator: the entry passes the local
 * environment's (toolkit/local), which answers for its own inventory; elsewhere there is none.
 */
export function tarantoolRunbook(
  replicatorControl: (inventory: Inventory) => ReplicatorControl | undefined = () => undefined,
): RunbookDefinition<typeof flags> {
  return {
    name: 'tarantool',
    summary:
      'The Tarantool replica of the user table: applies the schema (spaces, indexes, the search and replicator\n' +
      "functions), keeps the replicator's MySQL account, starts or restarts the replicator (local environment; in compose\n" +
      'it is the tarantool-replicator container), checks its lag behind the master and shows its recent log.',
    flags,
    validate: (f) => {
      if (f.wait < 0) throw new UsageError('--wait must be 0 or more seconds');
      if (f['log-lines'] < 0 || !Number.isInteger(f['log-lines']))
        throw new UsageError('--log-lines must be a whole number');
    },
    async procedure(run, { inventory, flags: f }) {
      let admin: TarantoolClient | undefined;
      const host = inventory.tarantool
        ? `${inventory.tarantool.host}:${inventory.tarantool.port}`
        : 'tarantool';
      await run.check('tarantool', host, async () => {
        admin = await connectAdmin(inventory);
        run.onClose(() => admin?.close());
        return admin.version;
      });
      await ensureTarantoolSchema(run, admin!, host);

      const tables = replicatedTables(inventory);
      await ensureReplicatorUsers(run, inventory, tables);

      const control = replicatorControl(inventory);
      if (control) await control.ensureRunning(run, f.restart);
      else
        await run.check('replicator', host, async () =>
          f.restart
            ? Promise.reject(
                new ToolkitError('restart it where it runs: docker-compose restart tarantool-replicator'),
              )
            : 'runs as the tarantool-replicator container: checked by its position below',
        );

      const master = await MysqlSession.open(inventory.mysql.master, inventory.mysql.admin);
      run.onClose(() => master.close());
      await run.verify('lag', `${inventory.mysql.master.name} → ${host}`, async () => {
        const lag = await waitFor(
          async (why) => {
            const current = await measureLag(master, admin!, 0);
            why(describeLag(current));
            return current.caughtUp ? current : undefined;
          },
          { timeoutMs: f.wait * 1000, intervalMs: 200, what: 'the replicator to catch up' },
        );
        const [count] = await admin!.call('user_count');
        return `${describeLag(lag)}; ${Number(count).toLocaleString('en-US')} users in Tarantool`;
      });

      const logFile = control?.logFile();
      await run.check('log', host, async () => {
        if (!logFile || !existsSync(logFile))
          return 'no local log (compose: docker-compose logs tarantool-replicator)';
        const lines = readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-f['log-lines']);
        for (const line of lines) run.note(line);
        return `last ${lines.length} lines of ${logFile}`;
      });
    },
  };
}
