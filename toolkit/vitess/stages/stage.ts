import { ToolkitError } from '../../procedure/errors.ts';
import type { Run } from '../../procedure/run.ts';
import { type Vtctld, VtctldError } from '../vtctldclient.ts';
import type { WorkflowSpec, WorkflowState } from '../workflow.ts';

/** What `--until` names: the stages of a forward run, in order (delete-sources is Reshard only). */
export const stageIds = [
  'preflight',
  'create',
  'copy',
  'vdiff',
  'switch-reads',
  'switch-writes',
  'complete',
  'delete-sources',
] as const;

export type StageId = (typeof stageIds)[number];

export interface WorkflowRunOptions {
  action: 'forward' | 'reverse' | 'cancel';
  pollMs: number;
  waitMs: number;
  /** Forward only: stop cleanly after this stage; a later run without it continues from Vitess's state. */
  until?: StageId;
  /** Consecutive unanswered polls tolerated during a long wait before the run stops. */
  unansweredPolls?: number;
  /** Where routing-rule backups go; defaults to <state dir>/vitess/backups. */
  backupDir?: string;
  now?: () => Date;
}

export interface StageContext {
  run: Run;
  vtctld: Vtctld;
  spec: WorkflowSpec;
  options: WorkflowRunOptions;
  /** `vtctld <server>`: where every step runs, for the report. */
  host: string;
}

/**
 * One stage of a forward run. The state machine runs a stage when `needed` says the workflow is not
 * past it yet; a dry run prints `plan` and advances a copy of the state with `assume` instead.
 */
export interface Stage {
  id: StageId;
  /** The step's name in the report. */
  name: string;
  needed(state: WorkflowState): boolean;
  plan(ctx: StageContext, state: WorkflowState): string;
  /** Does the stage's work and checks it took effect; answers the step's detail. */
  apply(ctx: StageContext, state: WorkflowState): Promise<string>;
  assume(state: WorkflowState): WorkflowState;
}

/** Commands that wait inside Vitess (create, SwitchTraffic, complete) get this long to answer. */
export const writeTimeoutMs = 15 * 60_000;

/** A lost vtctld mid-command leaves its outcome unknown: say so, and that a re-run reads the state again. */
export async function guard<T>(stage: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof VtctldError && error.kind === 'unreachable') {
      throw new ToolkitError(
        `${error.message} (during ${stage}; its last command may or may not have taken effect: re-run, the runbook reads the workflow's state and resumes)`,
      );
    }
    throw error;
  }
}
