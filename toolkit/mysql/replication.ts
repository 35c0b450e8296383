import { randomUUID } from 'node:crypto';
import { waitFor } from '../../lib/poll.ts';
import type { Inventory, MysqlNode } from '../inventory/schema.ts';
import { resolveSecret } from '../inventory/secrets.ts';
import { type InventorySource, topologyOf } from '../inventory/source.ts';
import { ToolkitError } from '../procedure/errors.ts';
import type { Run } from '../procedure/run.ts';
import { ensureAccount } from './account.ts';
import { ensureAppAccounts } from './app-accounts.ts';
import { checkIdentities, checkReplicationSettings, connectNodes } from './cluster.ts';
import { ensureExporterUser, ensureMonitorUser } from './monitor-user.ts';
import { readOptionFile, renderOptionFile, writeOptionFile } from './option-file.ts';
import { classifySlave, describeReplica, readSlaveState, type SlaveAction } from './replica-state.ts';
import { seedFromSnapshot } from './seed.ts';
import { convergeSemisync, stopSourceSide } from './semisync.ts';
import type { MysqlSession } from './session.ts';
import { recordEpoch } from './topology-epoch.ts';

export const defaultMaxLagSeconds = 5;

/**
 * master → every slave: preflight, least-privilege accounts on every node (replication, monitor, the app's
 * two), GTID replication, a marker read back.
 */
export async function replicationProcedure(
  run: Run,
  given: Inventory,
  options: { rejoin?: string; source?: InventorySource } = {},
): Promise<void> {
  const inventory = options.rejoin ? await rejoin(run, given, options.rejoin, options.source) : given;
  const { master, slaves } = inventory.mysql;
  const sessions = await connectNodes(run, inventory, [master, ...slaves]);
  await checkIdentities(run, sessions);
  await checkReplicationSettings(run, sessions);
  for (const node of [master, ...slaves]) {
    await ensureReplicationUser(run, inventory, sessions.get(node.name)!);
    // HAProxy's health agent logs in to every node, a promoted slave included.
    if (inventory.mysql.monitor) await ensureMonitorUser(run, inventory, sessions.get(node.name)!);
    // The app reads from every slave and writes to whichever node is promoted. Kept only where the
    // inventory declares the split (mysql.migrate): without it the app's account still migrates.
    if (inventory.mysql.migrate) await ensureAppAccounts(run, inventory, sessions.get(node.name)!);
    // Prometheus's mysqld-exporter scrapes every node too (toolkit/prometheus).
    if (inventory.mysql.exporter) await ensureExporterUser(run, inventory, sessions.get(node.name)!);
  }
  const masterSession = sessions.get(master.name)!;
  // The first master's generation (epoch 1 on a new cluster; a rerun or a rejoin changes nothing): what
  // HAProxy's agent follows in compose and the stacks. Recorded before the slaves replicate, so they get it.
  await recordEpoch(
    run,
    masterSession,
    slaves.map((s) => sessions.get(s.name)!),
  );
  for (const slave of slaves) {
    await ensureReadOnly(run, sessions.get(slave.name)!, true);
    await stopSourceSide(run, sessions.get(slave.name)!);
    await ensureReplicating(run, inventory, masterSession, sessions.get(slave.name)!);
  }
  const slaveSessions = slaves.map((s) => sessions.get(s.name)!);
  await verifyWithMarker(run, masterSession, slaveSessions);
  // Where semi-sync is in use, a slave that joined (or rejoined) must acknowledge too.
  const enabled = masterSession.flavor.semisync.sourceEnabled;
  if ((await masterSession.variables([enabled]))[enabled] === 'ON') {
    await convergeSemisync(run, inventory, masterSession, slaveSessions);
  }
}

/**
 * A fenced former master becomes a slave again: recorded in the inventory first, so that a crash
 * after this point still leaves the next run converging it as a slave (reseeded if it diverged).
 */
async function rejoin(
  run: Run,
  inventory: Inventory,
  name: string,
  source: InventorySource | undefined,
): Promise<Inventory> {
  const fenced = inventory.mysql.fenced ?? [];
  const node = fenced.find((n) => n.name === name);
  if (!node) {
    if (inventory.mysql.slaves.some((s) => s.name === name)) return inventory;
    throw new ToolkitError(
      `--rejoin ${name}: not a fenced node of the inventory (fenced: ${fenced.map((n) => n.name).join(', ') || 'none'})`,
    );
  }
  const next: Inventory = {
    ...inventory,
    mysql: {
      ...inventory.mysql,
      slaves: [...inventory.mysql.slaves, node],
      fenced: fenced.filter((n) => n !== node),
    },
  };
  await run.action(
    'rejoined as slave',
    name,
    `move ${name} from fenced to slaves of ${inventory.mysql.master.name}`,
    async () => {
      await source?.saveTopology(topologyOf(next));
      return undefined;
    },
  );
  return next;
}

/** The replication user on every node (so any slave can become a master): REPLICATION SLAVE and nothing else. */
export async function ensureReplicationUser(
  run: Run,
  inventory: Inventory,
  session: MysqlSession,
): Promise<void> {
  const { user, password } = inventory.mysql.replication;
  await ensureAccount(run, session, 'replication user', {
    user,
    host: '%',
    password,
    grants: [{ privileges: ['REPLICATION SLAVE'] }],
    purpose: 'REPLICATION SLAVE only',
  });
}

export async function ensureReadOnly(run: Run, session: MysqlSession, readOnly: boolean): Promise<void> {
  const want = readOnly ? 'ON' : 'OFF';
  await run.converge({
    name: readOnly ? 'read_only slave' : 'writable master',
    host: session.node.name,
    read: async () => ({
      live: ((await session.value('SELECT @@GLOBAL.read_only')) ?? '') === '1' ? 'ON' : 'OFF',
      file: session.node.optionsDir ? readOptionFile(session.node.optionsDir, 'read-only') : undefined,
    }),
    diff: (s) => {
      const parts: string[] = [];
      if (s.live !== want) parts.push(`set read_only=${want}`);
      if (session.node.optionsDir && s.file !== readOnlyFile(want))
        parts.push('persist it in the option file');
      return parts.length ? parts.join(', ') : null;
    },
    describe: () => `read_only=${want}`,
    apply: async (s) => {
      if (s.live !== want) {
        for (const statement of readOnly ? session.flavor.fenceStatements : session.flavor.unfenceStatements)
          await session.exec(statement);
      }
      if (session.node.optionsDir) writeOptionFile(session.node.optionsDir, 'read-only', readOnlyFile(want));
    },
  });
}

function readOnlyFile(want: 'ON' | 'OFF'): string {
  return renderOptionFile('read_only of this node', { read_only: want });
}

export async function ensureReplicating(
  run: Run,
  inventory: Inventory,
  master: MysqlSession,
  slave: MysqlSession,
): Promise<void> {
  const masterNode = master.node;
  const { user } = inventory.mysql.replication;
  const maxLag = inventory.mysql.maxLagSeconds ?? defaultMaxLagSeconds;
  await run.converge({
    name: `replicate from ${masterNode.name}`,
    host: slave.node.name,
    read: () => readSlaveState(slave, master),
    diff: (s) => {
      const { action, reason } = classifySlave(s, masterNode, user);
      return action === 'ok' ? null : `${action}: ${reason}`;
    },
    describe: (s) => describeReplica(s.status),
    apply: async (s) => {
      const { action } = classifySlave(s, masterNode, user);
      await applySlaveAction(run, inventory, master, slave, action, s.errant);
      if (action === 'seed') return;
      // The master is the judge of divergence a GTID position cannot show (same sequence number, other
      // transaction): it refuses such a slave with error 1236, and the answer to that is a fresh snapshot.
      const verdict = await waitFor(
        async () => {
          const row = await slave.one(slave.flavor.showReplicaStatus);
          const status = row ? slave.flavor.parseReplicaStatus(row) : undefined;
          if (status?.ioErrno === 1236) return 'diverged';
          if (status?.ioState === 'Yes') return 'connected';
          return undefined;
        },
        { timeoutMs: 30_000, what: `${slave.node.name} to connect to ${masterNode.name}` },
      ).catch(() => 'unknown');
      if (verdict === 'diverged') {
        run.note(`${masterNode.name} says ${slave.node.name} diverged (error 1236): reseeding it`);
        await applySlaveAction(run, inventory, master, slave, 'seed', s.errant);
      }
    },
    verify: async () => describeReplica(await waitForHealthyReplica(slave, maxLag, 30_000)),
  });
}

async function applySlaveAction(
  run: Run,
  inventory: Inventory,
  master: MysqlSession,
  slave: MysqlSession,
  action: SlaveAction,
  errant: number,
): Promise<void> {
  const masterNode = master.node;
  if (action !== 'start') await slave.exec(slave.flavor.stopReplica);
  if (action === 'seed') {
    await slave.exec(slave.flavor.resetReplicaAll);
    const seeded = await seedFromSnapshot(master, slave, inventory.mysql.admin, (bytes) =>
      run.progress(`seeding ${slave.node.name} from ${masterNode.name}: ${(bytes / 1048576).toFixed(1)} MiB`),
    );
    run.note(
      `seeded ${slave.node.name}: ${seeded.databases.join(', ')} (${(seeded.bytes / 1048576).toFixed(1)} MiB)`,
    );
  }
  if (action === 'repoint' && slave.flavor.version.kind === 'mariadb' && errant === 0) {
    // A former master's own writes are in its binlog, not in gtid_slave_pos; without this it would fetch them again.
    await slave.exec('SET GLOBAL gtid_slave_pos = @@GLOBAL.gtid_current_pos');
  }
  if (action !== 'start') await pointAt(inventory, slave, masterNode);
  await slave.exec(slave.flavor.startReplica);
}

/** Points a (stopped) slave at a master with GTID auto-positioning, as the inventory's replication user. */
export async function pointAt(inventory: Inventory, slave: MysqlSession, master: MysqlNode): Promise<void> {
  const change = slave.flavor.changeSource({
    host: master.replicationHost ?? master.host,
    port: master.port,
    user: inventory.mysql.replication.user,
    password: resolveSecret(inventory.mysql.replication.password),
  });
  await slave.exec(change.sql, change.values);
}

/** Waits until both threads run without errors and the lag is under the threshold. */
export async function waitForHealthyReplica(slave: MysqlSession, maxLagSeconds: number, timeoutMs: number) {
  return waitFor(
    async (why) => {
      const row = await slave.one(slave.flavor.showReplicaStatus);
      if (!row) {
        why('no replication configured');
        return undefined;
      }
      const status = slave.flavor.parseReplicaStatus(row);
      if (status.sqlErrno) throw new Error(`sql thread error ${status.sqlErrno}: ${status.sqlError}`);
      if (status.ioState !== 'Yes' || !status.sqlRunning) {
        why(
          `io ${status.ioState}, sql ${status.sqlRunning ? 'Yes' : 'No'}${status.ioError ? `: ${status.ioError}` : ''}`,
        );
        return undefined;
      }
      if (status.secondsBehind === null || status.secondsBehind > maxLagSeconds) {
        why(`lag ${status.secondsBehind ?? 'unknown'} s over ${maxLagSeconds} s`);
        return undefined;
      }
      return status;
    },
    { timeoutMs, intervalMs: 100, what: `replication on ${slave.node.name}` },
  );
}

/** Writes a unique marker on the master and reads it back from every slave. */
export async function verifyWithMarker(
  run: Run,
  master: MysqlSession,
  slaves: MysqlSession[],
  timeoutMs = 30_000,
): Promise<void> {
  await run.verify('marker write read back', master.node.name, async () => {
    await master.exec('CREATE DATABASE IF NOT EXISTS toolkit');
    await master.exec(
      'CREATE TABLE IF NOT EXISTS toolkit.marker (token CHAR(36) PRIMARY KEY, written_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)) ENGINE=InnoDB',
    );
    await master.exec('DELETE FROM toolkit.marker WHERE written_at < NOW() - INTERVAL 1 DAY');
    const token = randomUUID();
    const started = Date.now();
    await master.exec('INSERT INTO toolkit.marker (token) VALUES (?)', [token]);
    const seen: string[] = [];
    for (const slave of slaves) {
      await waitFor(
        async () =>
          (await slave.value('SELECT COUNT(*) FROM toolkit.marker WHERE token = ?', [token])) === '1'
            ? true
            : undefined,
        { timeoutMs, intervalMs: 20, what: `marker ${token.slice(0, 8)} on ${slave.node.name}` },
      );
      seen.push(`${slave.node.name} ${Date.now() - started} ms`);
    }
    return slaves.length ? `marker seen on ${seen.join(', ')}` : 'no slaves in the inventory';
  });
}
