import { waitFor } from '../../lib/poll.ts';
import type { Inventory } from '../inventory/schema.ts';
import type { Run } from '../procedure/run.ts';
import { connectNodes } from './cluster.ts';
import { readOptionFile, renderOptionFile, writeOptionFile } from './option-file.ts';
import type { MysqlSession } from './session.ts';

export const defaultSemisyncTimeoutMs = 10_000;

/**
 * Semi-sync by the server's own names: slaves first (MariaDB's master waits the whole timeout on
 * its first write when it turns semi-sync on before any slave can acknowledge), then the master,
 * then each slave's IO thread restarted where it still replicates asynchronously; verified by
 * status counters, not variables.
 */
export async function semisyncProcedure(run: Run, inventory: Inventory): Promise<void> {
  const { master, slaves } = inventory.mysql;
  const sessions = await connectNodes(run, inventory, [master, ...slaves]);
  const masterSession = sessions.get(master.name)!;
  const slaveSessions = slaves.map((s) => sessions.get(s.name)!);
  await convergeSemisync(run, inventory, masterSession, slaveSessions);
}

export async function convergeSemisync(
  run: Run,
  inventory: Inventory,
  master: MysqlSession,
  slaves: MysqlSession[],
): Promise<void> {
  for (const slave of slaves) {
    await ensurePlugin(run, slave, 'replica');
    await ensureSettings(run, slave, replicaSettings(slave));
  }
  await ensurePlugin(run, master, 'source');
  await ensureSettings(run, master, sourceSettings(master, inventory));
  for (const slave of slaves) await ensureSemisyncActive(run, slave);
  await verifySemisync(run, master, slaves);
}

/**
 * A former master that comes back as a slave still has semi-sync's source side on: with
 * log_slave_updates every event it applies waits for an acknowledgement nobody sends (the whole
 * timeout, seen as a 10 s stall of a rejoin). Turned off, as a slave's settings, before it replicates.
 */
export async function stopSourceSide(run: Run, session: MysqlSession): Promise<void> {
  const name = session.flavor.semisync.sourceEnabled;
  if ((await session.variables([name]))[name]?.toUpperCase() !== 'ON') return;
  await ensureSettings(run, session, replicaSettings(session));
}

type Side = 'source' | 'replica';

function sourceSettings(session: MysqlSession, inventory: Inventory): Record<string, string> {
  const names = session.flavor.semisync;
  return {
    [names.sourceEnabled]: 'ON',
    [names.sourceTimeout]: String(inventory.mysql.semisync?.timeoutMs ?? defaultSemisyncTimeoutMs),
    // AFTER_SYNC: a commit is visible to nobody until a slave has it, so failover loses no acknowledged write.
    [names.sourceWaitPoint]: inventory.mysql.semisync?.waitPoint ?? 'AFTER_SYNC',
  };
}

function replicaSettings(session: MysqlSession): Record<string, string> {
  const names = session.flavor.semisync;
  // A slave is never a semi-sync source; one that was (a former master) must stop waiting for acks.
  return { [names.replicaEnabled]: 'ON', [names.sourceEnabled]: 'OFF' };
}

async function ensurePlugin(run: Run, session: MysqlSession, side: Side): Promise<void> {
  const plugin =
    side === 'source' ? session.flavor.semisync.sourcePlugin : session.flavor.semisync.replicaPlugin;
  if (!plugin) return; // built in (MariaDB 10.3+): INSTALL PLUGIN would fail with error 1126
  await run.converge({
    name: `semi-sync ${side} plugin`,
    host: session.node.name,
    read: async () =>
      (await session.value('SELECT PLUGIN_STATUS FROM information_schema.PLUGINS WHERE PLUGIN_NAME = ?', [
        plugin.name,
      ])) ?? 'NOT INSTALLED',
    diff: (status) =>
      status === 'ACTIVE' ? null : `INSTALL PLUGIN ${plugin.name} SONAME '${plugin.soname}' (now ${status})`,
    describe: () => `${plugin.name} ACTIVE`,
    apply: () => session.exec(`INSTALL PLUGIN ${plugin.name} SONAME ?`, [plugin.soname]),
  });
}

async function ensureSettings(
  run: Run,
  session: MysqlSession,
  settings: Record<string, string>,
): Promise<void> {
  const names = Object.keys(settings);
  await run.converge({
    name: 'semi-sync settings',
    host: session.node.name,
    read: () => session.variables(names),
    diff: (actual) => {
      const wrong = names.filter(
        (n) => actual[n] !== undefined && actual[n]!.toUpperCase() !== settings[n]!.toUpperCase(),
      );
      return wrong.length
        ? `set ${wrong.map((n) => `${n}=${settings[n]} (was ${actual[n]})`).join(', ')}`
        : null;
    },
    describe: (actual) =>
      Object.entries(actual)
        .map(([k, v]) => `${k}=${v}`)
        .join(' '),
    apply: async (actual) => {
      for (const name of names) {
        if (actual[name] === undefined || actual[name]!.toUpperCase() === settings[name]!.toUpperCase())
          continue;
        const value = /^\d+$/.test(settings[name]!) ? Number(settings[name]) : settings[name]!;
        // Variable names come from the flavor module, never from input; values go through placeholders.
        await session.exec(`SET GLOBAL ${name} = ?`, [value]);
      }
    },
  });
  await persistSettings(run, session, settings);
}

/** Settings made with SET GLOBAL are gone at restart; keep them in the node's option file (or SET PERSIST). */
async function persistSettings(
  run: Run,
  session: MysqlSession,
  settings: Record<string, string>,
): Promise<void> {
  const { optionsDir } = session.node;
  const flavor = session.flavor;
  if (optionsDir) {
    const lines: Record<string, string> = {};
    const { sourcePlugin, replicaPlugin } = flavor.semisync;
    if (sourcePlugin && replicaPlugin)
      lines.plugin_load_add = `${sourcePlugin.soname};${replicaPlugin.soname}`;
    // loose_ lets MySQL start even where a plugin is missing, rather than refusing to boot.
    for (const [k, v] of Object.entries(settings))
      lines[flavor.version.kind === 'mysql' ? `loose_${k}` : k] = v;
    const content = renderOptionFile('semi-sync', lines);
    await run.converge({
      name: 'semi-sync persisted',
      host: session.node.name,
      read: async () => readOptionFile(optionsDir, 'semisync'),
      diff: (current) => (current === content ? null : `write ${optionsDir}/semisync.cnf`),
      describe: () => `in ${optionsDir}/semisync.cnf`,
      apply: async () => writeOptionFile(optionsDir, 'semisync', content),
    });
    return;
  }
  if (flavor.canSetPersist) {
    await run.converge({
      name: 'semi-sync persisted',
      host: session.node.name,
      read: async () => {
        const rows = await session.query(
          'SELECT VARIABLE_NAME AS n, VARIABLE_VALUE AS v FROM performance_schema.persisted_variables',
        );
        return Object.fromEntries(rows.map((r) => [String(r.n).toLowerCase(), String(r.v)]));
      },
      diff: (persisted) => {
        const missing = Object.keys(settings).filter(
          (k) => persisted[k]?.toUpperCase() !== settings[k]!.toUpperCase(),
        );
        return missing.length ? `SET PERSIST ${missing.join(', ')}` : null;
      },
      describe: () => 'SET PERSIST',
      apply: async (persisted) => {
        for (const [k, v] of Object.entries(settings)) {
          if (persisted[k]?.toUpperCase() === v.toUpperCase()) continue;
          await session.exec(`SET PERSIST ${k} = ?`, [/^\d+$/.test(v) ? Number(v) : v]);
        }
      },
    });
    return;
  }
  await run.check(
    'semi-sync persisted',
    session.node.name,
    async () => 'by the server option file of this environment (no options dir here)',
  );
}

/** A slave that turned semi-sync on while its IO thread ran still replicates asynchronously until the thread restarts. */
async function ensureSemisyncActive(run: Run, slave: MysqlSession): Promise<void> {
  const statusName = slave.flavor.semisync.replicaStatus;
  await run.converge({
    name: 'semi-sync active',
    host: slave.node.name,
    read: async () => (await slave.status([statusName]))[statusName] ?? 'OFF',
    diff: (status) => (status === 'ON' ? null : `restart the IO thread (${statusName}=${status})`),
    describe: (status) => `${statusName}=${status}`,
    apply: async () => {
      await slave.exec(slave.flavor.stopIoThread);
      await slave.exec(slave.flavor.startIoThread);
    },
    verify: async () => {
      await waitFor(
        async (why) => {
          const status = (await slave.status([statusName]))[statusName];
          if (status === 'ON') return true;
          why(`${statusName}=${status}`);
          return undefined;
        },
        { timeoutMs: 15_000, what: `semi-sync on ${slave.node.name}` },
      );
      return `${statusName}=ON`;
    },
  });
}

/**
 * One client per slave, then a write the master counts as acknowledged, and status ON. MariaDB
 * may report status OFF until the first acknowledged event after it was enabled, so the write
 * comes before the status is judged; a write that is not acknowledged is retried until the deadline.
 */
export async function verifySemisync(run: Run, master: MysqlSession, slaves: MysqlSession[]): Promise<void> {
  const n = master.flavor.semisync;
  await run.verify('semi-sync verified', master.node.name, async () => {
    const clients = await waitFor(
      async (why) => {
        const s = await master.status([n.sourceClients]);
        if (Number(s[n.sourceClients]) === slaves.length) return Number(s[n.sourceClients]);
        why(`${n.sourceClients}=${s[n.sourceClients]} of ${slaves.length}`);
        return undefined;
      },
      { timeoutMs: 15_000, what: 'semi-sync clients on the master' },
    );
    await master.exec('CREATE DATABASE IF NOT EXISTS toolkit');
    await master.exec(
      'CREATE TABLE IF NOT EXISTS toolkit.semisync_probe (id TINYINT PRIMARY KEY, at TIMESTAMP(6) NOT NULL) ENGINE=InnoDB',
    );
    const before = Number((await master.status([n.sourceYesTx]))[n.sourceYesTx]);
    const result = await waitFor(
      async (why) => {
        const started = Date.now();
        await master.exec('REPLACE INTO toolkit.semisync_probe (id, at) VALUES (1, NOW(6))');
        const took = Date.now() - started;
        const s = await master.status([n.sourceYesTx, n.sourceStatus]);
        const after = Number(s[n.sourceYesTx]);
        if (after > before && s[n.sourceStatus] === 'ON') return { after, took };
        why(
          `${n.sourceYesTx} ${before} → ${after}, ${n.sourceStatus}=${s[n.sourceStatus]}: commits are not acknowledged`,
        );
        return undefined;
      },
      { timeoutMs: 15_000, intervalMs: 200, what: 'an acknowledged commit' },
    );
    return `${n.sourceStatus}=ON, ${clients} client(s), ${n.sourceYesTx} ${before} → ${result.after}, acknowledged in ${result.took} ms`;
  });
}
