import { waitFor } from '../../../lib/poll.ts';
import { ToolkitError } from '../../procedure/errors.ts';
import { describeMismatch, parseVDiffCreate, parseVDiffShow, type VDiffReport } from '../outputs.ts';
import { commands } from '../workflow.ts';
import { type Stage, type StageContext, writeTimeoutMs } from './stage.ts';
import { unanswered, unreachableTolerance } from './tolerant-poll.ts';

/** A VDiff that must come back clean before any traffic moves; one already running is waited for. */
export const vdiffStage: Stage = {
  id: 'vdiff',
  name: 'vdiff',
  needed: (s) => s.exists && s.reads === 'none' && s.writes === 'none',
  plan: ({ vtctld, spec }) =>
    `${vtctld.commandLine(commands.vdiffCreate(spec))}; poll ${vtctld.commandLine(commands.vdiffShow(spec, '<uuid>'))} until completed; any mismatch stops the run`,
  async apply(ctx) {
    const { vtctld, spec } = ctx;
    const { id, resumed } = await startOrResume(ctx);
    const report = await waitForReport(ctx, id);
    if (report.hasMismatch)
      throw new ToolkitError(
        `${describeMismatch(report)}. Nothing was switched; see ${vtctld.commandLine(commands.vdiffShow(spec, id))} --verbose`,
      );
    return `VDiff ${id}${resumed ? ' (resumed)' : ''} clean: ${report.rowsCompared.toLocaleString('en-US')} rows compared, no mismatch`;
  },
  assume: (s) => s,
};

async function startOrResume({ vtctld, spec }: StageContext): Promise<{ id: string; resumed: boolean }> {
  const last = parseVDiffShow(await vtctld.run(commands.vdiffShow(spec, 'last')));
  if (last && (last.state === 'started' || last.state === 'pending')) return { id: last.uuid, resumed: true };
  const created = parseVDiffCreate(await vtctld.run(commands.vdiffCreate(spec), writeTimeoutMs));
  if (created) return { id: created, resumed: false };
  const latest = parseVDiffShow(await vtctld.run(commands.vdiffShow(spec, 'last')));
  if (!latest?.uuid) throw new ToolkitError('VDiff create gave no uuid and show last has none');
  return { id: latest.uuid, resumed: false };
}

async function waitForReport({ run, vtctld, spec, options }: StageContext, id: string): Promise<VDiffReport> {
  const tolerate = unreachableTolerance(options.unansweredPolls ?? 3);
  let fatal: Error | undefined;
  const stop = (error: Error) => {
    fatal = error;
    return 'stop' as const;
  };
  const report = await waitFor<VDiffReport | 'stop'>(
    async (why) => {
      let r: VDiffReport | null | typeof unanswered;
      try {
        r = await tolerate(async () => parseVDiffShow(await vtctld.run(commands.vdiffShow(spec, id))), why);
      } catch (error) {
        return stop(error as Error);
      }
      if (r === unanswered) return undefined;
      if (!r) {
        why(`VDiff ${id} not visible yet`);
        return undefined;
      }
      if (r.progress)
        run.progress(
          `vdiff ${id}: ${r.progress.percentage.toFixed(2)}% (${r.rowsCompared.toLocaleString('en-US')} rows), ETA ${r.progress.eta}`,
        );
      why(`VDiff ${id} is ${r.state}`);
      if (r.state === 'error' || r.errors.length > 0)
        return stop(new ToolkitError(`VDiff ${id} failed: ${r.errors.join('; ') || 'state error'}`));
      if (r.state === 'stopped')
        return stop(new ToolkitError(`VDiff ${id} was stopped: re-run to start a new one`));
      return r.state === 'completed' ? r : undefined;
    },
    { timeoutMs: options.waitMs, intervalMs: options.pollMs, what: `VDiff ${id}` },
  );
  if (fatal) throw fatal;
  if (report === 'stop') throw new ToolkitError(`VDiff ${id} stopped`);
  return report;
}
