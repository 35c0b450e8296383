import { existsSync, readFileSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { waitFor } from '../../../lib/poll.ts';
import { isAlive } from '../../host/process.ts';
import { MysqlSession } from '../../mysql/session.ts';
import { nginxFiles } from '../../nginx/processes.ts';
import type { Run } from '../../procedure/run.ts';
import { appInstanceComponent, appPort, localAppInstances } from '../app-component.ts';
import { LocalInventorySource } from '../inventory.ts';
import { serviceDir } from '../service.ts';
import { loadState } from '../state.ts';
import type { DrillOptions } from './failover-drill.ts';
import { MixedLoad } from './load.ts';
import { feedFigures, instanceKillFigures } from './measure.ts';
import type { DrillReport, SummaryRow } from './report.ts';
import { findLostWrites } from './verify.ts';

/** nginx's access log lines (JSON) written since `offset` whose upstream was the given port. */
function servedBy(log: string, offset: number, port: number): number {
  if (!existsSync(log)) return 0;
  return readFileSync(log, 'utf8')
    .slice(offset)
    .split('\n')
    .filter((line) => line.includes(`:${port}"`) && /"status":200/.test(line)).length;
}

/**
 * SIGKILLs one app instance under the mixed load through nginx: nginx's passive health check must
 * skip it (a request that was not sent to it goes to the other instance), so only the requests in
 * flight on it fail. Then it is started again the way `npm run up` repairs a killed process, and
 * nginx sends it traffic again.
 */
export async function appInstanceDrill(run: Run, options: DrillOptions): Promise<DrillReport> {
  const startedAt = Date.now();
  const instance = localAppInstances().find((i) => i.name === 'app-2')!;
  const survivor = localAppInstances().find((i) => i.name === 'app')!;
  const pid = loadState().services[instance.name]?.pid;
  const survivorPid = loadState().services[survivor.name]?.pid;
  const accessLog = nginxFiles(serviceDir('nginx')).accessLog;

  const load = new MixedLoad(appPort());
  run.onClose(async () => {
    await load.stop();
  });
  await run.action('load started', 'nginx', 'mixed load through nginx', async () => {
    await load.start();
    return `3 writers (posts, every fifth a registration), 3 readers, a WebSocket feed, through 127.0.0.1:${appPort()}`;
  });
  const loadFrom = Date.now();
  await sleep(Math.max(3000, options.durationMs / 4));

  const killedAt = Date.now();
  await run.action('instance killed', instance.name, `SIGKILL pid ${pid}`, async () => {
    if (!isAlive(pid)) throw new Error(`${instance.name} (pid ${pid}) is not running`);
    process.kill(pid, 'SIGKILL');
    await waitFor(async () => (isAlive(pid) ? undefined : true), {
      timeoutMs: 10_000,
      intervalMs: 20,
      what: `${instance.name} to die`,
    });
    return `SIGKILL pid ${pid}`;
  });

  // Down for half the drill: nginx alone has to keep the clients served.
  await sleep(Math.max(0, loadFrom + (options.durationMs * 3) / 4 - Date.now()));
  const restartFrom = Date.now();
  const logOffset = existsSync(accessLog) ? statSync(accessLog).size : 0;
  await appInstanceComponent(instance).up(run);
  const restartedAt = Date.now();
  await sleep(Math.max(2000, loadFrom + options.durationMs - Date.now()));
  const result = await load.stop();
  const loadTo = Date.now();
  const servedAfterRestart = servedBy(accessLog, logOffset, instance.port);

  const figures = instanceKillFigures(result.ops, killedAt);
  const feed = feedFigures(result.feed, result.ops, loadTo);
  const inventory = await new LocalInventorySource().load();
  const master = await MysqlSession.open(inventory.mysql.master, inventory.mysql.admin);
  run.onClose(() => master.close());
  let lost = { acknowledged: 0, missing: [] as string[], different: [] as string[] };
  await run.check('acknowledged writes', inventory.mysql.master.name, async () => {
    lost = await findLostWrites(master, inventory.mysql.database, result.ops);
    return `${lost.acknowledged} acknowledged, ${lost.missing.length} missing, ${lost.different.length} different`;
  });
  const lostCount = lost.missing.length + lost.different.length;
  const newPid = loadState().services[instance.name]?.pid;
  const rows: SummaryRow[] = [
    {
      measure: 'failed requests in flight on the killed instance',
      result: String(figures.failedInFlight),
      target: 'only these may fail',
    },
    {
      measure: 'failed requests not in flight',
      result: String(figures.failedOther),
      target: '0',
      met: figures.failedOther === 0,
    },
    {
      measure: 'requests',
      result: `${figures.requests.total} (${figures.requests.ok} answered 200)`,
      target: '',
    },
    {
      measure: 'acknowledged writes lost (row by row)',
      result: `${lostCount} of ${lost.acknowledged}`,
      target: '0',
      met: lostCount === 0,
    },
    {
      measure: `${instance.name} restarted (as npm run up does)`,
      result: `${((restartedAt - restartFrom) / 1000).toFixed(2)} s to /ready, pid ${pid} → ${newPid}`,
      target: '',
    },
    {
      measure: `requests nginx sent to ${instance.name} after its restart`,
      result: String(servedAfterRestart),
      target: 'more than 0',
      met: servedAfterRestart > 0,
    },
    {
      measure: `${survivor.name} untouched`,
      result:
        isAlive(survivorPid) && loadState().services[survivor.name]?.pid === survivorPid
          ? 'same pid'
          : 'restarted',
      target: 'same pid',
      met: isAlive(survivorPid) && loadState().services[survivor.name]?.pid === survivorPid,
    },
    {
      measure: 'WebSocket feed',
      result: `${feed.deliveredAcknowledged} of ${result.ops.filter((o) => o.kind === 'post' && o.id).length} acknowledged posts delivered live, ${feed.drops} drops (a socket on the killed instance drops, and the client reconnects)`,
      target: '',
    },
  ];
  const notes = [
    `nginx balances over ${survivor.name} (127.0.0.1:${survivor.port}) and ${instance.name} (127.0.0.1:${instance.port}); passive health checks (max_fails=1 fail_timeout=5s), a request nginx could not send goes to the other instance, a POST already sent is never sent twice.`,
    'There is no process supervisor in the local environment: npm run up starts a killed instance again; the drill does the same step.',
    ...figures.failures.map(
      (f) =>
        `failed: ${f.kind} HTTP ${f.status || 'no answer'}, sent ${f.startedMs} ms, answered ${f.endedMs} ms from the kill${f.error ? `: ${f.error}` : ''}`,
    ),
  ];
  return {
    kind: 'app-instance',
    title: `App-instance drill: ${instance.name} SIGKILLed under load through nginx`,
    command: options.command,
    startedAt,
    rows,
    notes,
    marks: [
      { at: killedAt, label: `${instance.name} SIGKILLed` },
      { at: restartFrom, label: `${instance.name} started again` },
      { at: restartedAt, label: `${instance.name} ready` },
    ],
    ops: result.ops,
    loadFrom,
    loadTo,
    data: {
      instance: instance.name,
      figures,
      feed,
      lost,
      servedAfterRestart,
      pids: { before: pid, after: newPid },
    },
  };
}
