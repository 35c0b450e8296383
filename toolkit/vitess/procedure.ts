import type { Run } from '../procedure/run.ts';
import { cancelWorkflow } from './stages/cancel.ts';
import { completeStage } from './stages/complete.ts';
import { copyStage } from './stages/copy.ts';
import { createStage, startStage } from './stages/create.ts';
import { deleteSourcesStage } from './stages/delete-sources.ts';
import { preflight, preflightVSchema } from './stages/preflight.ts';
import { reverseTraffic } from './stages/reverse.ts';
import {
  guard,
  type Stage,
  type StageContext,
  type StageId,
  type WorkflowRunOptions,
} from './stages/stage.ts';
import { switchReadsStage, switchWritesStage } from './stages/switch-traffic.ts';
import { vdiffStage } from './stages/vdiff.ts';
import type { Vtctld } from './vtctldclient.ts';
import { observe, phaseOf, type WorkflowSpec, type WorkflowState } from './workflow.ts';

export type { StageId, WorkflowRunOptions } from './stages/stage.ts';

/** The stages of a forward run after preflight, in order. */
function stagesFor(kind: WorkflowSpec['kind']): Stage[] {
  const stages = [
    createStage,
    startStage,
    copyStage,
    vdiffStage,
    switchReadsStage,
    switchWritesStage,
    completeStage,
  ];
  return kind === 'Reshard' ? [...stages, deleteSourcesStage] : stages;
}

/** What `--until` accepts for this kind of workflow, in the order a run goes through them. */
export function untilStages(kind: WorkflowSpec['kind']): StageId[] {
  return ['preflight', ...new Set(stagesFor(kind).map((s) => s.id))];
}

/**
 * Drives one MoveTables or Reshard workflow as a resumable state machine: whatever state Vitess
 * reports, the run starts from there, and a finished workflow gives a run that changes nothing.
 * A dry run walks the same stages on a copy of the state and prints each command. With `until`,
 * the run stops after that stage and says what the next run will do.
 */
export async function runWorkflow(
  run: Run,
  vtctld: Vtctld,
  spec: WorkflowSpec,
  options: WorkflowRunOptions,
): Promise<void> {
  const ctx: StageContext = { run, vtctld, spec, options, host: `vtctld ${vtctld.server}` };
  const { reachable, state: found } = await preflight(ctx);
  if (options.action === 'cancel') return cancelWorkflow(ctx, found, reachable);
  if (options.action === 'reverse') return reverseTraffic(ctx, found, reachable);
  if (phaseOf(found) !== 'done') await preflightVSchema(ctx, reachable);
  const stages = stagesFor(spec.kind);
  let state = found;
  if (options.until === 'preflight') return reportStop(ctx, state, stages);
  for (const [i, stage] of stages.entries()) {
    if (stage.needed(state)) state = await runStage(ctx, stage, state);
    if (options.until === stage.id && stages[i + 1]?.id !== stage.id) return reportStop(ctx, state, stages);
  }
}

async function runStage(ctx: StageContext, stage: Stage, state: WorkflowState): Promise<WorkflowState> {
  const { run, vtctld, spec, host } = ctx;
  if (run.dryRun) {
    await run.step(stage.name, host, async () => ({ status: 'planned', detail: stage.plan(ctx, state) }));
    return stage.assume(state);
  }
  let after = state;
  await run.step(stage.name, host, async () => {
    const detail = await guard(stage.name, () => stage.apply(ctx, state));
    after = await guard(stage.name, () => observe(vtctld, spec));
    return { status: 'changed', detail };
  });
  return after;
}

/**
 * `--until`: where the run stopped, and what a run without it would do next from here: every stage
 * still needed, as the next run decides it (so a VDiff runs again before the switch, on current data).
 */
async function reportStop(ctx: StageContext, state: WorkflowState, stages: Stage[]): Promise<void> {
  const { run, spec, options, host } = ctx;
  const next: string[] = [];
  let ahead = state;
  for (const stage of stages) {
    if (!stage.needed(ahead)) continue;
    next.push(stage.name);
    ahead = stage.assume(ahead);
  }
  const switched = state.exists && (state.reads !== 'none' || state.writes !== 'none');
  await run.check(`stop after ${options.until} (--until)`, host, async () =>
    [
      run.dryRun
        ? `after the steps above, ${spec.keyspace}.${spec.workflow} would be ${phaseOf(state)}`
        : `${spec.keyspace}.${spec.workflow} is ${phaseOf(state)} (${state.trafficText})`,
      `the next run without --until: ${next.length > 0 ? next.join(', ') : 'nothing left to do'}`,
      ...(switched ? ['--reverse switches traffic back until complete runs'] : []),
    ].join('; '),
  );
}
