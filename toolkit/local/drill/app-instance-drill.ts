import { closeSync, existsSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { waitFor } from '../../../lib/poll.ts';
import { isAlive } from '../../host/process.ts';
import { MysqlSession } from '../../mysql/session.ts';
import { nginxFiles } from '../../nginx/processes.ts';
import type { Run } from '../../procedure/run.ts';
import { appInstanceComponent, localAppInstances } from '../app-component.ts';
import { LocalInventorySource } from '../inventory.ts';
import { serviceDir } from '../service.ts';
import { loadState } from '../state.ts';
import { instanceKillFigures } from './measure.ts';
import type { DrillOptions, DrillReport, SummaryRow } from './report.ts';
import { drillUnderLoad, feedRow } from './under-load.ts';

/**
 * nginx's access log lines (JSON) written since byte `offset` whose upstream was the given port. Only
 * what follows the offset is read: it is polled while the load keeps the log growing.
 */
export function servedBy(log: string, offset: number, port: number): number {
  if (!existsSync(log)) return 0;
  const fd = openSync(log, 'r');
  try {
    const since = Buffer.alloc(Math.max(0, fstatSync(fd).size - offset));
    readSync(fd, since, 0, since.length, offset);
    return since
      .toString('utf8')
      .split('\n')
      .filter((line) => line.includes(`:${port}"`) && /"status":200/.test(line)).length;
  } finally {
    closeSync(fd);
  }
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

  return drillUnderLoad(run, options, {
    kind: 'app-instance',
    startedAt,
    inflict: async (loadFrom) => {
      let killedAt = 0;
      let diedAt = 0;
      await run.action('instance killed', instance.name, `SIGKILL pid ${pid}`, async () => {
        if (!isAlive(pid)) throw new Error(`${instance.name} (pid ${pid}) is not running`);
        // Taken at the kill itself, not before the step's logging: a request sent in between was still
        // in flight when the instance died, and must count as such.
        killedAt = Date.now();
        process.kill(pid, 'SIGKILL');
        // diedAt: the last look that still saw it alive, so the in-flight window never reaches past its death.
        diedAt = killedAt;
        await waitFor(
          async () => {
            if (!isAlive(pid)) return true;
            diedAt = Date.now();
            return undefined;
          },
          { timeoutMs: 2_000, intervalMs: 5, what: `${instance.name} to die` },
        );
        return `SIGKILL pid ${pid}, gone within ${diedAt - killedAt + 5} ms`;
      });

      // Down for half the drill (from a quarter to three quarters): nginx alone keeps the clients served.
      await sleep(Math.max(0, loadFrom + (options.durationMs * 3) / 4 - Date.now()));
      const restartFrom = Date.now();
      const logOffset = existsSync(accessLog) ? statSync(accessLog).size : 0;
      await appInstanceComponent(instance).up(run);
      const restartedAt = Date.now();
      // nginx tries a failed server again only after its fail_timeout (5 s): the load goes on until it
      // has sent the instance a request (or 15 s passed; the report then says the target was missed).
      await waitFor(async () => (servedBy(accessLog, logOffset, instance.port) > 0 ? true : undefined), {
        timeoutMs: 15_000,
        intervalMs: 100,
        what: `nginx to send ${instance.name} a request again`,
      }).catch(() => undefined);
      return { killedAt, diedAt, restartFrom, restartedAt, logOffset };
    },
    master: async () => {
      const inventory = await new LocalInventorySource().load();
      const session = await MysqlSession.open(inventory.mysql.master, inventory.mysql.admin);
      run.onClose(() => session.close());
      return { name: inventory.mysql.master.name, session, database: inventory.mysql.database };
    },
    report: async (outcome) => {
      const { fault, result, feed, lost, lostRow, duplicatesRow } = outcome;
      const { killedAt, diedAt, restartFrom, restartedAt, logOffset } = fault;
      // The load has stopped: nothing more goes through nginx.
      const servedAfterRestart = servedBy(accessLog, logOffset, instance.port);
      const figures = instanceKillFigures(result.ops, killedAt, diedAt);
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
          result: `${figures.requests.total} (${figures.requests.ok} answered 200; ${figures.requests.retried} sent again after nginx closed their kept-alive connection unread)`,
          target: '',
        },
        lostRow,
        duplicatesRow,
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
        feedRow(outcome, ' (a socket on the killed instance drops, and the client reconnects)'),
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
        title: `App-instance drill: ${instance.name} SIGKILLed under load through nginx`,
        rows,
        notes,
        marks: [
          { at: killedAt, label: `${instance.name} SIGKILLed` },
          { at: restartFrom, label: `${instance.name} started again` },
          { at: restartedAt, label: `${instance.name} ready` },
        ],
        data: {
          instance: instance.name,
          figures,
          feed,
          lost,
          servedAfterRestart,
          pids: { before: pid, after: newPid },
        },
      };
    },
  });
}
