import { ToolkitError } from '../../procedure/errors.ts';
import { parseRoutingRules, routeOf } from '../outputs.ts';
import { commands, readStatus, stateFromStatus } from '../workflow.ts';
import { backupRoutingRules } from './routing-backup.ts';
import { type Stage, type StageContext, writeTimeoutMs } from './stage.ts';

/**
 * `switchtraffic` for reads (rdonly, replica) or writes (primary), after a routing-rules backup; the
 * traffic state is read back, and for MoveTables the routing rules themselves. The two switches differ
 * only in these parameters, so one definition makes both.
 */
function switchTrafficStage(
  id: 'switch-reads' | 'switch-writes',
  name: string,
  kind: 'reads' | 'writes',
): Stage {
  const command = kind === 'reads' ? commands.switchReads : commands.switchWrites;
  return {
    id,
    name,
    needed: (s) => s.exists && (kind === 'reads' ? s.reads !== 'all' : s.writes !== 'all'),
    plan: ({ vtctld, spec }) =>
      `${vtctld.commandLine(commands.routingRules())} > backup; ${vtctld.commandLine(command(spec))}`,
    async apply(ctx, before) {
      const { vtctld, spec } = ctx;
      if (before.errors.length > 0)
        throw new ToolkitError(
          `${before.errors.join('; ')}: not switching ${kind} while a stream is in error`,
        );
      const backup = await backupRoutingRules(ctx, `before-${kind}`);
      await vtctld.run(command(spec), writeTimeoutMs);
      const status = await readStatus(vtctld, spec);
      if (!status)
        throw new ToolkitError(`after switching ${kind}, ${spec.keyspace}.${spec.workflow} has no streams`);
      const after = stateFromStatus(status);
      if (after[kind] !== 'all')
        throw new ToolkitError(`switch ${kind} returned but the traffic state is '${status.trafficState}'`);
      await verifyRoutes(ctx, kind);
      return `${status.trafficState} (routing rules backed up to ${backup})`;
    },
    assume: (s) => ({ ...s, [kind]: 'all' }),
  };
}

/** MoveTables only: the routing rules themselves must now send the moved table to the target keyspace. */
async function verifyRoutes({ vtctld, spec }: StageContext, kind: 'reads' | 'writes'): Promise<void> {
  if (spec.kind !== 'MoveTables') return;
  const rules = parseRoutingRules(await vtctld.run(commands.routingRules()));
  const types = kind === 'reads' ? (['replica', 'rdonly'] as const) : (['' as const] as const);
  for (const table of spec.tables) {
    for (const type of types) {
      const to = routeOf(rules, table, type);
      if (to !== `${spec.keyspace}.${table}`) {
        throw new ToolkitError(
          `after switching ${kind}, routing rules send ${table}${type ? `@${type}` : ''} to ${to ?? 'nowhere'}, not ${spec.keyspace}.${table}`,
        );
      }
    }
  }
}

export const switchReadsStage = switchTrafficStage('switch-reads', 'switch reads (rdonly, replica)', 'reads');
export const switchWritesStage = switchTrafficStage('switch-writes', 'switch writes (primary)', 'writes');
