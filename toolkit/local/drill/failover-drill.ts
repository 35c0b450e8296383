import { setTimeout as sleep } from 'node:timers/promises';
import { waitFor } from '../../../lib/poll.ts';
import type { TarantoolClient } from '../../../lib/tarantool/iproto.ts';
import { isAlive, mysqlGreeting } from '../../host/process.ts';
import type { Inventory, MysqlNode } from '../../inventory/schema.ts';
import { failoverProcedure } from '../../mysql/failover.ts';
import { replicationProcedure } from '../../mysql/replication.ts';
import { MysqlSession } from '../../mysql/session.ts';
import type { Run } from '../../procedure/run.ts';
import { connectAdmin } from '../../tarantool/runbook.ts';
import { LocalInventorySource } from '../inventory.ts';
import { startMysqlNodes } from '../mysql-component.ts';
import { loadState } from '../state.ts';
import { failoverFigures } from './measure.ts';
import type { DrillOptions, DrillReport, SummaryRow } from './report.ts';
import { drillUnderLoad, feedRow, type LoadOutcome } from './under-load.ts';
import { compareTarantool, replicatorReached } from './verify.ts';

const seconds = (ms: number | null | undefined) => (ms == null ? 'never' : `${(ms / 1000).toFixed(2)} s`);

/** The pids of the app instances and the replicator: a drill must end with the same ones (nothing restarted). */
function processPids(): Record<string, number | undefined> {
  const { services } = loadState();
  return { app: services.app?.pid, 'app-2': services['app-2']?.pid, replicator: services.replicator?.pid };
}

/** The cluster as the drill found it, before the fault. */
interface Before {
  source: LocalInventorySource;
  inventory: Inventory;
  oldMaster: MysqlNode;
  oldPid: number | undefined;
  pidsBefore: Record<string, number | undefined>;
  admin: TarantoolClient | undefined;
}

/** What the fault and the recovery did, with their times (epoch milliseconds). */
interface FailedOver {
  inventory: Inventory;
  master: MysqlSession;
  killedAt: number;
  detectedAt: number;
  failedOverAt: number;
  caughtUpAt: number | undefined;
  rejoinFrom: number;
  rejoinedAt: number;
}

/**
 * SIGKILLs the master under a mixed load through nginx, fails over as soon as it is seen dead, keeps
 * the load on, rejoins the old master, then counts what the clients saw against what MySQL and
 * Tarantool hold.
 */
export async function failoverDrill(run: Run, options: DrillOptions): Promise<DrillReport> {
  const startedAt = Date.now();
  const source = new LocalInventorySource();
  const inventory = await source.load();
  const oldMaster = inventory.mysql.master;
  const oldPid = loadState().mysql.nodes.find((n) => n.name === oldMaster.name)?.pid;
  const pidsBefore = processPids();
  let admin: TarantoolClient | undefined;
  if (inventory.tarantool) {
    admin = await connectAdmin(inventory);
    run.onClose(() => admin?.close());
  }
  const before: Before = { source, inventory, oldMaster, oldPid, pidsBefore, admin };
  return drillUnderLoad(run, options, {
    kind: 'failover',
    startedAt,
    inflict: (loadFrom) => killAndFailOver(run, before, loadFrom, options.durationMs),
    master: async ({ inventory: after, master }) => ({
      name: after.mysql.master.name,
      session: master,
      database: after.mysql.database,
    }),
    report: (outcome) => failoverReport(run, before, outcome),
  });
}

/** Kills the master, fails over, waits for the replicator, and rejoins the old master at three quarters. */
async function killAndFailOver(
  run: Run,
  { source, inventory: before, oldMaster, oldPid, admin }: Before,
  loadFrom: number,
  durationMs: number,
): Promise<FailedOver> {
  const killedAt = Date.now();
  let detectedAt = killedAt;
  await run.action('master killed', oldMaster.name, `SIGKILL pid ${oldPid}`, async () => {
    if (!isAlive(oldPid)) throw new Error(`${oldMaster.name} (pid ${oldPid}) is not running`);
    process.kill(oldPid, 'SIGKILL');
    // Seen dead the way a monitor sees it: the server stops answering its port.
    detectedAt = await waitFor(
      async () => ((await mysqlGreeting(oldMaster.host, oldMaster.port, 200)) ? undefined : Date.now()),
      { timeoutMs: 10_000, intervalMs: 20, what: `${oldMaster.name} to stop answering` },
    );
    return `SIGKILL pid ${oldPid}; seen dead after ${detectedAt - killedAt} ms`;
  });

  await failoverProcedure(run, before, source, { switchover: false, catchUpTimeoutMs: 30_000 });
  const failedOverAt = Date.now();
  const inventory = await source.load();
  const newMaster = inventory.mysql.master;
  const master = await MysqlSession.open(newMaster, inventory.mysql.admin);
  run.onClose(() => master.close());

  // The replicator reads through HAProxy's writer endpoint: it must reach the new master's binlog end by itself.
  let caughtUpAt: number | undefined;
  const target = String(await master.value('SELECT @@GLOBAL.gtid_binlog_pos'));
  const catchUp = admin
    ? waitFor(async () => ((await replicatorReached(admin!, target)) ? Date.now() : undefined), {
        timeoutMs: 60_000,
        intervalMs: 100,
        what: `the replicator to reach ${newMaster.name}'s ${target}`,
      }).then(
        (at) => {
          caughtUpAt = at;
        },
        (error: Error) => run.note(`replicator: ${error.message}`),
      )
    : Promise.resolve();

  // The old master comes back and rejoins at three quarters of the drill, still under load.
  await sleep(Math.max(0, loadFrom + (durationMs * 3) / 4 - Date.now()));
  await catchUp;
  const rejoinFrom = Date.now();
  await startMysqlNodes(run);
  await replicationProcedure(run, await source.load(), { rejoin: oldMaster.name, source });
  const rejoinedAt = Date.now();
  return { inventory, master, killedAt, detectedAt, failedOverAt, caughtUpAt, rejoinFrom, rejoinedAt };
}

async function failoverReport(
  run: Run,
  { oldMaster, oldPid, pidsBefore, admin }: Before,
  outcome: LoadOutcome<FailedOver>,
): Promise<Pick<DrillReport, 'title' | 'rows' | 'notes' | 'marks' | 'data'>> {
  const { fault, result, feed, lost, lostRow, duplicatesRow } = outcome;
  const { inventory, master, killedAt, detectedAt, failedOverAt, caughtUpAt, rejoinFrom, rejoinedAt } = fault;
  const newMaster = inventory.mysql.master;
  const figures = failoverFigures(result.ops, killedAt);
  const firstWrite = figures.firstAcceptedWriteMs;
  let equality: Awaited<ReturnType<typeof compareTarantool>> = [];
  if (admin)
    await run.check('tarantool = mysql', 'tarantool', async () => {
      equality = await compareTarantool(master, admin!, inventory);
      return equality
        .map(
          (e) =>
            `${e.table}: ${e.mysqlRows} rows in MySQL, ${e.tarantoolRows} in Tarantool, ${e.differences.length} differences`,
        )
        .join('; ');
    });
  const pidsAfter = processPids();
  const restarted = Object.keys(pidsBefore).filter(
    (name) => pidsBefore[name] !== pidsAfter[name] || !isAlive(pidsAfter[name]),
  );

  const tarantoolEqual = equality.every((e) => e.differences.length === 0 && e.mysqlRows === e.tarantoolRows);
  const rows: SummaryRow[] = [
    {
      measure: 'kill → first accepted write',
      result: seconds(firstWrite),
      target: 'within 5 s',
      met: firstWrite !== null && firstWrite <= 5000,
    },
    { measure: 'kill → master seen dead', result: seconds(detectedAt - killedAt), target: '' },
    { measure: 'kill → failover done', result: seconds(failedOverAt - killedAt), target: '' },
    {
      measure: 'writes refused in the window (503 + retry-after)',
      result: String(figures.writesRefusedInWindow),
      target: '',
    },
    {
      measure: 'writes failed outside the window',
      result: String(figures.writesFailedOutsideWindow),
      target: '0',
      met: figures.writesFailedOutsideWindow === 0,
    },
    lostRow,
    duplicatesRow,
    {
      measure: 'read errors',
      result: `${figures.reads.failed} of ${figures.reads.total}`,
      target: '0',
      met: figures.reads.failed === 0,
    },
    {
      measure: 'failover done → replicator caught up on the new master',
      result: admin ? seconds(caughtUpAt === undefined ? null : caughtUpAt - failedOverAt) : 'no Tarantool',
      target: 'catches up by itself',
      met: admin ? caughtUpAt !== undefined : undefined,
    },
    {
      measure: 'Tarantool = MySQL at the end (row by row)',
      result: admin
        ? equality
            .map(
              (e) =>
                `${e.table}: ${e.tarantoolRows} = ${e.mysqlRows} rows, ${e.differences.length} differences`,
            )
            .join('; ')
        : 'no Tarantool',
      target: 'equal',
      met: admin ? tarantoolEqual : undefined,
    },
    {
      measure: 'app instances and replicator restarted',
      result: restarted.length ? restarted.join(', ') : 'none (same pids)',
      target: 'none',
      met: restarted.length === 0,
    },
    {
      measure: 'old master rejoined as a slave',
      result: `${seconds(rejoinedAt - rejoinFrom)} (restart + replication --rejoin)`,
      target: '',
    },
    feedRow(outcome),
  ];
  const notes = [
    `${figures.writes.total} writes (${figures.writes.ok} accepted, failures by status ${JSON.stringify(figures.writes.byStatus)}), ${figures.reads.total} reads (failures ${JSON.stringify(figures.reads.byStatus)}) through nginx over app and app-2, which reach MySQL only through HAProxy's endpoints; ${figures.writes.retried + figures.reads.retried} sent a second time because their kept-alive connection was closed unread (as browsers and curl do).`,
    `${oldMaster.name} (pid ${oldPid}) SIGKILLed; failover.mjs's procedure promoted ${newMaster.name} as soon as ${oldMaster.name} stopped answering; HAProxy's writer switched over its runtime API.`,
    `Lost writes: every post id and user id the app answered with was looked up on ${newMaster.name} and its text compared.`,
    ...lost.missing.slice(0, 10).map((m) => `missing: ${m}`),
    ...lost.different.slice(0, 10).map((m) => `different: ${m}`),
    ...lost.duplicates.slice(0, 10).map((m) => `stored twice: ${m}`),
    ...equality.flatMap((e) => e.differences.map((d) => `Tarantool ${e.table}: ${d}`)),
  ];
  const marks = [
    { at: killedAt, label: `${oldMaster.name} SIGKILLed` },
    { at: failedOverAt, label: `failover done (${newMaster.name} master)` },
    ...(firstWrite !== null ? [{ at: killedAt + firstWrite, label: 'first accepted write' }] : []),
    ...(caughtUpAt ? [{ at: caughtUpAt, label: 'replicator caught up on the new master' }] : []),
    { at: rejoinFrom, label: `${oldMaster.name} restarted, rejoin begins` },
    { at: rejoinedAt, label: `${oldMaster.name} rejoined as a slave` },
  ];
  return {
    title: `Failover drill: ${oldMaster.name} SIGKILLed under load, ${newMaster.name} promoted`,
    rows,
    notes,
    marks,
    data: {
      oldMaster: oldMaster.name,
      newMaster: newMaster.name,
      figures,
      feed,
      lost,
      tarantool: equality,
      pidsBefore,
      pidsAfter,
      timings: {
        detectedMs: detectedAt - killedAt,
        failoverDoneMs: failedOverAt - killedAt,
        firstAcceptedWriteMs: firstWrite,
        replicatorCaughtUpMs: caughtUpAt === undefined ? null : caughtUpAt - failedOverAt,
        rejoinMs: rejoinedAt - rejoinFrom,
      },
    },
  };
}
