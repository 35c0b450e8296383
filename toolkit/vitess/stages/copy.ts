import { waitFor } from '../../../lib/poll.ts';
import { ToolkitError } from '../../procedure/errors.ts';
import type { WorkflowStatus } from '../outputs.ts';
import { commands, readStatus, stateFromStatus } from '../workflow.ts';
import type { Stage, StageContext } from './stage.ts';
import { unanswered, unreachableTolerance } from './tolerant-poll.ts';

/** Polls the workflow's status with a progress bar until every table is copied and every stream Running. */
export const copyStage: Stage = {
  id: 'copy',
  name: 'copy',
  needed: (s) =>
    s.exists &&
    s.writes === 'none' &&
    s.reads === 'none' &&
    (!s.copyDone || s.errors.length > 0 || s.stopped),
  plan: ({ vtctld, spec }) =>
    `poll ${vtctld.commandLine(commands.status(spec))} until every table's phase is COMPLETE and every stream Running`,
  async apply(ctx) {
    const { spec, options } = ctx;
    const poll = copyPoll(ctx);
    const outcome = await waitFor(poll.check, {
      timeoutMs: options.waitMs,
      intervalMs: options.pollMs,
      what: `the copy of ${spec.keyspace}.${spec.workflow}`,
    });
    const fatal = poll.fatal();
    if (fatal) throw fatal;
    return outcome;
  },
  assume: (s) => ({ ...s, copyDone: true, errors: [], stopped: false }),
};

/** One status poll: progress, or why it keeps waiting; a fatal finding ends the wait with 'stop'. */
function copyPoll({ run, vtctld, spec, options }: StageContext) {
  const meter = run.meter(`copy ${spec.keyspace}.${spec.workflow}`, undefined, 'rows');
  const tolerate = unreachableTolerance(options.unansweredPolls ?? 3);
  let fatal: Error | undefined;
  const stop = (error: Error) => {
    fatal = error;
    return 'stop';
  };
  const check = async (why: (reason: string) => void): Promise<string | undefined> => {
    let status: WorkflowStatus | null | typeof unanswered;
    try {
      status = await tolerate(() => readStatus(vtctld, spec), why);
    } catch (error) {
      return stop(error as Error);
    }
    if (status === unanswered) return undefined;
    if (!status)
      return stop(
        new ToolkitError(
          `workflow ${spec.keyspace}.${spec.workflow} disappeared during the copy (cancelled elsewhere?)`,
        ),
      );
    const state = stateFromStatus(status);
    if (state.errors.length > 0)
      return stop(
        new ToolkitError(
          `${state.errors.join('; ')}. Vitess retries errored streams; fix the cause, then re-run to resume (or --cancel)`,
        ),
      );
    const progress = status.tables.reduce(
      (sum, t) => ({ copied: sum.copied + t.rowsCopied, total: sum.total + t.rowsTotal }),
      { copied: 0, total: 0 },
    );
    meter.set(progress.copied);
    run.progress(
      `${meter.render()}${progress.total ? ` of about ${progress.total.toLocaleString('en-US')}` : ''}`,
    );
    if (state.stopped)
      return stop(
        new ToolkitError(
          `a stream of ${spec.keyspace}.${spec.workflow} is Stopped: re-run to start it, or look at ${vtctld.commandLine(commands.base(spec).concat('show'))}`,
        ),
      );
    why(`${status.streams.map((s) => `${s.target}: ${s.status}`).join(', ')}`);
    return state.copyDone
      ? `copied ${progress.copied.toLocaleString('en-US')} rows; streams running`
      : undefined;
  };
  return { check, fatal: () => fatal };
}
