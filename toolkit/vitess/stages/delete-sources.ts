import { ToolkitError } from '../../procedure/errors.ts';
import { commands, shardExists } from '../workflow.ts';
import { type Stage, writeTimeoutMs } from './stage.ts';

/** Reshard only: `DeleteShards --recursive` for each source shard `complete` left in the topology. */
export const deleteSourcesStage: Stage = {
  id: 'delete-sources',
  name: 'delete source shards',
  needed: (s) => s.completed && s.sourcesLeft.length > 0,
  plan: ({ vtctld, spec }, s) =>
    s.sourcesLeft.map((shard) => vtctld.commandLine(commands.deleteShard(spec.keyspace, shard))).join('; '),
  async apply({ vtctld, spec }, s) {
    const deleted: string[] = [];
    for (const shard of s.sourcesLeft) {
      if (!(await shardExists(vtctld, spec.keyspace, shard))) continue;
      await vtctld.run(commands.deleteShard(spec.keyspace, shard), writeTimeoutMs);
      if (await shardExists(vtctld, spec.keyspace, shard))
        throw new ToolkitError(`DeleteShards returned but ${spec.keyspace}/${shard} still exists`);
      deleted.push(shard);
    }
    return deleted.length > 0
      ? `deleted ${deleted.map((d) => `${spec.keyspace}/${d}`).join(', ')}`
      : 'complete had already removed them';
  },
  assume: (s) => ({ ...s, sourcesLeft: [] }),
};
