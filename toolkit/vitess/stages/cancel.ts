import { ToolkitError } from '../../procedure/errors.ts';
import { commands, readStatus, type WorkflowState } from '../workflow.ts';
import { backupRoutingRules } from './routing-backup.ts';
import { guard, type StageContext, writeTimeoutMs } from './stage.ts';

/** --cancel: drops the workflow, only before any traffic was switched. */
export async function cancelWorkflow(
  ctx: StageContext,
  state: WorkflowState,
  reachable: boolean,
): Promise<void> {
  const { run, vtctld, spec, host } = ctx;
  if (reachable && !state.exists) {
    if (state.completed)
      throw new ToolkitError(
        `${spec.keyspace}.${spec.workflow} already completed: there is nothing to cancel`,
      );
    await run.check('cancel', host, async () => 'no workflow: nothing to cancel');
    return;
  }
  if (state.reads !== 'none' || state.writes !== 'none') {
    throw new ToolkitError(
      `traffic is already switched (${state.trafficText}): --cancel is for before any switch; run --reverse first`,
    );
  }
  if (run.dryRun) {
    await run.step('cancel', host, async () => ({
      status: 'planned',
      detail: `${vtctld.commandLine(commands.routingRules())} > backup; ${vtctld.commandLine(commands.cancel(spec))}`,
    }));
    return;
  }
  await run.step('cancel', host, async () => ({
    status: 'changed',
    detail: await guard('cancel', async () => {
      const backup = await backupRoutingRules(ctx, 'before-cancel');
      const out = await vtctld.run(commands.cancel(spec), writeTimeoutMs);
      if (await readStatus(vtctld, spec))
        throw new ToolkitError(`cancel returned but ${spec.keyspace}.${spec.workflow} still has streams`);
      return `${out.trim() || 'cancelled'} (routing rules backed up to ${backup})`;
    }),
  }));
}
