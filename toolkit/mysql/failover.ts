import { waitFor } from '../../lib/poll.ts';
import { enableWriter, isolateWriter } from '../haproxy/switch-writer.ts';
import type { Inventory, MysqlNode } from '../inventory/schema.ts';
import type { InventorySource } from '../inventory/source.ts';
import { ToolkitError } from '../procedure/errors.ts';
import type { Run } from '../procedure/run.ts';
import { chooseCandidate, type SlaveHolding } from './candidate.ts';
import { describeLoss, type Holder, type Loss, lossOnPromotion } from './failover-loss.ts';
import type { GtidSet } from './gtid.ts';
import { readOptionFile, renderOptionFile, writeOptionFile } from './option-file.ts';
import { ensureReadOnly, pointAt, verifyWithMarker } from './replication.ts';
import { convergeSemisync } from './semisync.ts';
import { MysqlSession } from './session.ts';
import { handOverStackWriter } from './stack-writer.ts';
import { readEpoch, recordEpoch } from './topology-epoch.ts';

export interface FailoverOptions {
  /** Move the master while it is up (planned maintenance) instead of replacing a dead one. */
  switchover: boolean;
  /** Prefer this slave; refused if another slave holds transactions it lacks. */
  candidate?: string;
  /** How long slaves get to apply what they received before promotion. */
  catchUpTimeoutMs: number;
  /** Promote even when the candidate lacks transactions the runbook can see elsewhere (they are lost). */
  force?: boolean;
}

interface Candidate extends SlaveHolding {
  session: MysqlSession;
  /** What it received, when it did not apply all of it in time: promoting it discards the rest. */
  received?: GtidSet;
}

/**
 * Replaces the master by the slave with the most complete GTID set: every slave applies what it
 * received, the best one is promoted, the others follow it, the old master is fenced (read_only,
 * persisted where the toolkit has its option files) and the inventory records the new topology.
 * With semi-sync AFTER_SYNC, every commit a client saw acknowledged reached some slave's relay
 * log, so the count of acknowledged transactions missing on the new master must be 0.
 */
export async function failoverProcedure(
  run: Run,
  inventory: Inventory,
  source: InventorySource,
  options: FailoverOptions,
): Promise<void> {
  const { master, slaves } = inventory.mysql;
  if (slaves.length === 0) throw new ToolkitError('the inventory has no slave to promote');
  if (options.candidate && !slaves.some((s) => s.name === options.candidate)) {
    throw new ToolkitError(
      `--candidate ${options.candidate} is not a slave in the inventory (slaves: ${slaves.map((s) => s.name).join(', ')})`,
    );
  }

  const oldMaster = await probeMaster(run, inventory, options.switchover);
  if (oldMaster === 'healthy') return;

  const reachable: MysqlSession[] = [];
  for (const slave of slaves) {
    await run.step('reachable', slave.name, async () => {
      try {
        const session = await MysqlSession.open(slave, inventory.mysql.admin, { timeoutMs: 3000 });
        run.onClose(() => session.close());
        reachable.push(session);
        return { status: 'ok', detail: `${session.flavor.label} at ${slave.host}:${slave.port}` };
      } catch (error) {
        return { status: 'ok', detail: `unreachable, left out: ${(error as Error).message}` };
      }
    });
  }
  if (reachable.length === 0) throw new ToolkitError('no slave is reachable: nothing can be promoted');

  // Before any node changes role, HAProxy sends writes nowhere; the promoted node is enabled below.
  await tellHaproxy(run, inventory, 'haproxy writer isolated', () => isolateWriter(inventory));
  if (oldMaster !== 'down') await fenceLiveMaster(run, oldMaster);
  if (oldMaster === 'down') {
    // Nothing more may arrive from a master that could come back while slaves are being compared.
    for (const slave of reachable) {
      await run.action('io thread stopped', slave.node.name, slave.flavor.stopIoThread, async () => {
        await slave.exec(slave.flavor.stopIoThread);
        return undefined;
      });
    }
  }

  let chosen: Candidate;
  try {
    const candidates = await applyRelayLogs(
      run,
      reachable,
      oldMaster === 'down' ? undefined : oldMaster,
      options,
    );
    chosen = chooseCandidate(candidates, options.candidate);
    const loss = lossOnPromotion(
      chosen.executed,
      await holdersBesides(chosen, candidates, oldMaster === 'down' ? undefined : oldMaster),
    );
    await checkLoss(run, chosen, loss, master.name, options.force ?? false);
  } catch (error) {
    // Refused or failed before any promotion (a --candidate that lacks transactions, a broken SQL thread):
    // the slaves must not be left with their IO threads stopped.
    await restoreUnpromoted(run, inventory, reachable, oldMaster === 'down' ? undefined : oldMaster);
    throw error;
  }

  await promote(run, chosen.session);
  // Its first write as master: the new topology generation, which HAProxy's agent follows where no
  // runbook reaches HAProxy (compose, the stacks), and which keeps the old master from ever being reopened.
  const followers = reachable.filter((s) => s !== chosen.session);
  await recordEpoch(run, chosen.session, [...followers, ...(oldMaster === 'down' ? [] : [oldMaster])]);
  await tellHaproxy(run, inventory, 'haproxy writer enabled', () =>
    enableWriter(inventory, chosen.session.node.name),
  );
  for (const follower of followers) await repoint(run, inventory, follower, chosen.session.node);

  await fenceRecorded(run, master, oldMaster === 'down');
  await run.action(
    'inventory updated',
    source.env,
    `master ${chosen.session.node.name}, old master ${master.name} fenced`,
    async () => {
      await source.saveTopology({
        master: chosen.session.node,
        slaves: slaves.filter((s) => s.name !== chosen.session.node.name),
        fenced: [...(inventory.mysql.fenced ?? []).filter((n) => n.name !== master.name), master],
      });
      return `${source.origin}: master ${chosen.session.node.name}, slaves ${
        slaves
          .filter((s) => s.name !== chosen.session.node.name)
          .map((s) => s.name)
          .join(', ') || 'none'
      }, fenced ${master.name}`;
    },
  );

  const promotedInventory: Inventory = {
    ...inventory,
    mysql: { ...inventory.mysql, master: chosen.session.node },
  };
  for (const follower of followers) await ensureReadOnly(run, follower, true);
  if (followers.length === 0) {
    // Semi-sync with nobody to acknowledge would hold every commit for the whole timeout, then fall back
    // anyway: the last node stands alone, asynchronous, until a slave joins (replication --rejoin, then up or semisync).
    await run.check(
      'semi-sync',
      chosen.session.node.name,
      async () =>
        'not enabled: no slave left to acknowledge; writes are asynchronous until a slave joins (replication.mjs --rejoin, then semisync.mjs)',
    );
  } else {
    await convergeSemisync(run, promotedInventory, chosen.session, followers);
    await verifyWithMarker(run, chosen.session, followers);
  }
  // Last, so the runbook's closing line is what is left to do.
  await handOverStackWriter(run, inventory, source, chosen.session.node.name, () =>
    readEpoch(chosen.session),
  );
}

/** Only where the inventory has an HAProxy runtime API: elsewhere no step at all. */
async function tellHaproxy(
  run: Run,
  inventory: Inventory,
  name: string,
  change: () => Promise<string | undefined>,
): Promise<void> {
  const socket = inventory.haproxy?.adminSocket;
  if (!socket) return;
  await run.action(name, 'haproxy', `runtime API ${socket}`, change);
}

type MasterProbe = 'healthy' | 'down' | MysqlSession;

/** Healthy and not asked to switch over: nothing to do. Down: fail over. Up with --switchover: switch over. */
async function probeMaster(run: Run, inventory: Inventory, switchover: boolean): Promise<MasterProbe> {
  const { master } = inventory.mysql;
  let result: MasterProbe = 'down';
  await run.step('master', master.name, async () => {
    let session: MysqlSession | undefined;
    try {
      session = await MysqlSession.open(master, inventory.mysql.admin, { timeoutMs: 3000 });
    } catch (error) {
      if (switchover)
        throw new ToolkitError(
          `cannot switch over: the master is down (${(error as Error).message}); run without --switchover`,
        );
      return { status: 'ok', detail: `down (${(error as Error).message}): failing over` };
    }
    run.onClose(() => session.close());
    const readOnly = (await session.value('SELECT @@GLOBAL.read_only')) === '1';
    if (!switchover) {
      if (readOnly)
        throw new ToolkitError(
          `${master.name} is up but read_only: fix the inventory or run with --switchover`,
        );
      result = 'healthy';
      return {
        status: 'ok',
        detail: 'up and writable: nothing to fail over (use --switchover to move it deliberately)',
      };
    }
    result = session;
    return { status: 'ok', detail: 'up: switching over' };
  });
  return result;
}

async function fenceLiveMaster(run: Run, master: MysqlSession): Promise<void> {
  await ensureReadOnly(run, master, true);
}

/**
 * Waits until each slave has applied all it received (and, in a switchover, all the old master has).
 * A slave still behind at the deadline (its SQL thread stopped, say) stays a candidate with what it
 * holds then; what it received but did not apply is kept as `received`, so the loss check counts it.
 */
async function applyRelayLogs(
  run: Run,
  slaves: MysqlSession[],
  oldMaster: MysqlSession | undefined,
  options: FailoverOptions,
): Promise<Candidate[]> {
  const target = oldMaster ? await oldMaster.executedGtid() : undefined;
  const candidates: Candidate[] = [];
  for (const slave of slaves) {
    await run.check('relay log applied', slave.node.name, async () => {
      let last: { executed: GtidSet; received?: GtidSet; behind: string } | undefined;
      try {
        const executed = await waitFor(
          async (why) => {
            const row = await slave.one(slave.flavor.showReplicaStatus);
            const status = row ? slave.flavor.parseReplicaStatus(row) : undefined;
            const executedNow = await slave.executedGtid();
            const received = status?.received ? slave.flavor.parseGtid(status.received) : undefined;
            const behindReceived = received ? executedNow.missingFrom(received) : 0;
            const behindMaster = target ? executedNow.missingFrom(target) : 0;
            if (status?.sqlErrno) {
              last = undefined;
              throw new ToolkitError(`sql thread error ${status.sqlErrno}: ${status.sqlError}`);
            }
            if (behindReceived === 0 && behindMaster === 0) return executedNow;
            const behind = `${behindReceived} received and ${behindMaster} master transaction(s) not applied yet`;
            last = { executed: executedNow, received, behind };
            why(behind);
            return undefined;
          },
          {
            timeoutMs: options.catchUpTimeoutMs,
            intervalMs: 50,
            what: `${slave.node.name} to apply its relay log`,
          },
        );
        candidates.push({ name: slave.node.name, session: slave, executed });
        return `holds ${executed.text || 'nothing'}`;
      } catch (error) {
        // A broken SQL thread is an error to fix, not a loss to weigh.
        if (!last) throw error;
        const { executed, received, behind } = last;
        candidates.push({ name: slave.node.name, session: slave, executed, received });
        return `not caught up within ${options.catchUpTimeoutMs / 1000} s (${behind}): holds ${executed.text || 'nothing'}`;
      }
    });
  }
  return candidates;
}

async function holdersBesides(
  chosen: Candidate,
  candidates: Candidate[],
  oldMaster: MysqlSession | undefined,
): Promise<Holder[]> {
  const holders: Holder[] = oldMaster
    ? [{ name: `${oldMaster.node.name} (old master)`, executed: await oldMaster.executedGtid() }]
    : [];
  for (const c of candidates) if (c !== chosen) holders.push({ name: c.name, executed: c.executed });
  for (const c of candidates)
    if (c.received) holders.push({ name: `${c.name} (relay log, not applied)`, executed: c.received });
  return holders;
}

/**
 * Safe mode (MaxScale's failover-safe): a promotion that would lose transactions the runbook can see
 * is refused unless forced. The report names them by GTID either way.
 */
async function checkLoss(
  run: Run,
  chosen: Candidate,
  loss: Loss,
  oldMaster: string,
  force: boolean,
): Promise<void> {
  const name = chosen.session.node.name;
  await run.check('acknowledged transactions', name, async () => {
    const text = `missing_acknowledged=${loss.count} (${name} holds ${chosen.executed.text || 'nothing'})`;
    if (loss.count === 0) return text;
    if (!force)
      throw new ToolkitError(
        `refusing to promote ${name}: missing_acknowledged=${loss.count}, it lacks ${describeLoss(loss)}; nothing was promoted. Bring the holder back or rerun with --force to promote ${name} and lose them`,
        'WOULD_LOSE_TRANSACTIONS',
      );
    run.note(
      `WARNING: --force: ${loss.count} transaction(s) acknowledged by ${oldMaster} are not on ${name} and are lost: ${describeLoss(loss)}`,
    );
    return `${text}; lost (--force): ${describeLoss(loss)}`;
  });
}

/** After a refusal the topology is left as found: slaves receive again, a live old master writable again. */
async function restoreUnpromoted(
  run: Run,
  inventory: Inventory,
  slaves: MysqlSession[],
  oldMaster: MysqlSession | undefined,
): Promise<void> {
  if (oldMaster) {
    await ensureReadOnly(run, oldMaster, false);
    await tellHaproxy(run, inventory, 'haproxy writer enabled', () =>
      enableWriter(inventory, oldMaster.node.name),
    );
    return;
  }
  // A dead master stays out of HAProxy's writer: it must not take writes if it comes back.
  for (const slave of slaves) {
    await run.action('io thread restarted', slave.node.name, slave.flavor.startIoThread, async () => {
      await slave.exec(slave.flavor.startIoThread);
      return undefined;
    });
  }
}

async function promote(run: Run, session: MysqlSession): Promise<void> {
  await run.converge({
    name: 'promoted to master',
    host: session.node.name,
    read: async () => ({ replicating: Boolean(await session.one(session.flavor.showReplicaStatus)) }),
    diff: (s) => (s.replicating ? 'stop replication and forget the old master' : null),
    describe: () => 'not replicating from anyone',
    apply: async () => {
      await session.exec(session.flavor.stopReplica);
      await session.exec(session.flavor.resetReplicaAll);
    },
  });
  await ensureReadOnly(run, session, false);
}

async function repoint(
  run: Run,
  inventory: Inventory,
  follower: MysqlSession,
  newMaster: MysqlNode,
): Promise<void> {
  await run.action('follows new master', follower.node.name, `replicate from ${newMaster.name}`, async () => {
    await follower.exec(follower.flavor.stopReplica);
    await pointAt(inventory, follower, newMaster);
    await follower.exec(follower.flavor.startReplica);
    return `replicates from ${newMaster.name} (${newMaster.host}:${newMaster.port})`;
  });
}

/** A dead master cannot be told anything; where the toolkit owns its option files it comes back read_only. */
async function fenceRecorded(run: Run, master: MysqlNode, down: boolean): Promise<void> {
  if (!down) return;
  const dir = master.optionsDir;
  if (!dir) {
    await run.check(
      'old master fenced',
      master.name,
      async () => 'unreachable: fenced in the inventory only; it must not come back as a master',
    );
    return;
  }
  const content = renderOptionFile('read_only of this node', { read_only: 'ON' });
  await run.converge({
    name: 'old master fenced',
    host: master.name,
    read: async () => readOptionFile(dir, 'read-only'),
    diff: (current) => (current === content ? null : 'persist read_only=ON so it restarts read-only'),
    describe: () => 'read_only=ON persisted',
    apply: async () => writeOptionFile(dir, 'read-only', content),
  });
}
