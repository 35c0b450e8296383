import { ToolkitError } from '../../procedure/errors.ts';
import { commands, observe, phaseOf } from '../workflow.ts';
import { backupRoutingRules } from './routing-backup.ts';
import { type Stage, writeTimeoutMs } from './stage.ts';

/** `complete` drops the reverse workflow: after it, --reverse is no longer possible. */
export const completeStage: Stage = {
  id: 'complete',
  name: 'complete',
  needed: (s) => s.exists,
  plan: ({ vtctld, spec }) =>
    `${vtctld.commandLine(commands.routingRules())} > backup; ${vtctld.commandLine(commands.complete(spec))}`,
  async apply(ctx) {
    const { vtctld, spec } = ctx;
    const backup = await backupRoutingRules(ctx, 'before-complete');
    const out = await vtctld.run(commands.complete(spec), writeTimeoutMs);
    const state = await observe(vtctld, spec);
    if (!state.completed)
      throw new ToolkitError(`complete returned but the workflow is ${phaseOf(state)}: ${out.trim()}`);
    return `${out.trim() || 'completed'} (routing rules backed up to ${backup})`;
  },
  assume: (s) => ({ ...s, exists: false, completed: true, reads: 'all', writes: 'all' }),
};
