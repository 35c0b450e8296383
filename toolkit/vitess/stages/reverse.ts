import { ToolkitError } from '../../procedure/errors.ts';
import { commands, readStatus, stateFromStatus, type WorkflowState } from '../workflow.ts';
import { backupRoutingRules } from './routing-backup.ts';
import { guard, type StageContext, writeTimeoutMs } from './stage.ts';

/** --reverse: `reversetraffic` for what was switched (reads, and writes if they were), until `complete`. */
export async function reverseTraffic(
  ctx: StageContext,
  state: WorkflowState,
  reachable: boolean,
): Promise<void> {
  const { run, vtctld, spec, host } = ctx;
  if (!reachable) {
    await run.step('reverse traffic', host, async () => ({
      status: 'planned',
      detail: `if traffic is switched: ${vtctld.commandLine(commands.routingRules())} > backup; ${vtctld.commandLine(commands.reverse(spec, true))}`,
    }));
    return;
  }
  if (state.completed)
    throw new ToolkitError(
      `${spec.keyspace}.${spec.workflow} already completed: complete removed its reverse workflow, so traffic cannot be reversed`,
    );
  if (!state.exists || (state.reads === 'none' && state.writes === 'none')) {
    await run.check('reverse traffic', host, async () =>
      state.exists ? `nothing switched (${state.trafficText})` : 'no workflow: nothing to reverse',
    );
    return;
  }
  const command = commands.reverse(spec, state.writes !== 'none');
  if (run.dryRun) {
    await run.step('reverse traffic', host, async () => ({
      status: 'planned',
      detail: `${vtctld.commandLine(commands.routingRules())} > backup; ${vtctld.commandLine(command)}`,
    }));
    return;
  }
  await run.step('reverse traffic', host, async () => ({
    status: 'changed',
    detail: await guard('reverse traffic', async () => {
      const backup = await backupRoutingRules(ctx, 'before-reverse');
      await vtctld.run(command, writeTimeoutMs);
      const status = await readStatus(vtctld, spec);
      const after = status ? stateFromStatus(status) : undefined;
      if (after?.reads !== 'none' || after.writes !== 'none')
        throw new ToolkitError(
          `reversetraffic returned but the traffic state is '${status?.trafficState ?? 'no workflow'}'`,
        );
      return `${status?.trafficState} (routing rules backed up to ${backup})`;
    }),
  }));
}
