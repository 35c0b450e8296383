import { ToolkitError } from '../../procedure/errors.ts';
import { commands, readStatus } from '../workflow.ts';
import { type Stage, writeTimeoutMs } from './stage.ts';

/** `create` starts the streams itself; a workflow found with stopped streams gets `start` instead. */
export const createStage: Stage = {
  id: 'create',
  name: 'create workflow',
  needed: (s) => !s.exists && !s.completed,
  plan: ({ vtctld, spec }) => vtctld.commandLine(commands.create(spec)),
  async apply({ vtctld, spec }) {
    const out = await vtctld.run(commands.create(spec), writeTimeoutMs);
    const status = await readStatus(vtctld, spec);
    if (!status)
      throw new ToolkitError(
        `create returned but ${spec.keyspace}.${spec.workflow} has no streams: ${out.trim().split('\n')[0] ?? ''}`,
      );
    return `created ${spec.keyspace}.${spec.workflow} with ${status.streams.length} stream(s)`;
  },
  assume: (s) => ({ ...s, exists: true, copyDone: false, stopped: false }),
};

export const startStage: Stage = {
  id: 'create',
  name: 'start workflow',
  needed: (s) => s.exists && s.stopped && s.reads === 'none' && s.writes === 'none',
  plan: ({ vtctld, spec }) => vtctld.commandLine(commands.start(spec)),
  async apply({ vtctld, spec }) {
    await vtctld.run(commands.start(spec));
    return 'streams started';
  },
  assume: (s) => ({ ...s, stopped: false }),
};
