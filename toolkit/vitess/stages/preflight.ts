import { ToolkitError } from '../../procedure/errors.ts';
import { type Vtctld, VtctldError } from '../vtctldclient.ts';
import {
  commands,
  freshState,
  observe,
  phaseOf,
  type ReshardSpec,
  readTablets,
  readVSchema,
  routesTable,
  shardExists,
  type WorkflowState,
} from '../workflow.ts';
import { guard, type StageContext } from './stage.ts';

export interface Preflight {
  /** False only in a dry run with no vtctld answering: the plan then starts from the beginning. */
  reachable: boolean;
  state: WorkflowState;
}

/** vtctld answers and the keyspaces exist; the workflow's state; its shards and their primaries. */
export async function preflight(ctx: StageContext): Promise<Preflight> {
  const reachable = await preflightReachable(ctx);
  if (!reachable) return { reachable, state: freshState(ctx.spec) };
  const state = await observeStep(ctx);
  await preflightTopology(ctx, state);
  return { reachable, state };
}

async function preflightReachable({ run, vtctld, spec, host }: StageContext): Promise<boolean> {
  const keyspaces = spec.kind === 'MoveTables' ? [spec.sourceKeyspace, spec.keyspace] : [spec.keyspace];
  let reachable = true;
  await run.step('preflight: vtctld and keyspaces', host, async () => {
    try {
      for (const keyspace of keyspaces) await vtctld.run(commands.keyspace(keyspace));
      return { status: 'ok', detail: `vtctld answers; keyspace ${keyspaces.join(', ')} exists` };
    } catch (error) {
      if (run.dryRun && error instanceof VtctldError && error.kind === 'unreachable') {
        reachable = false;
        return { status: 'planned', detail: `${error.message}: the plan below starts from the beginning` };
      }
      if (error instanceof VtctldError && error.kind === 'failed')
        throw new ToolkitError(`keyspace check failed: ${error.desc}`);
      throw error;
    }
  });
  return reachable;
}

async function observeStep({ run, vtctld, spec, host }: StageContext): Promise<WorkflowState> {
  let state = freshState(spec);
  await run.check('read workflow state', host, async () => {
    state = await observe(vtctld, spec);
    return `${spec.keyspace}.${spec.workflow}: ${phaseOf(state)} (${state.trafficText})`;
  });
  return state;
}

/** Shards exist and every shard that will take traffic has a primary tablet. */
async function preflightTopology({ run, vtctld, spec, host }: StageContext, state: WorkflowState) {
  if (phaseOf(state) === 'done') return;
  await run.check('preflight: shards and primaries', host, () =>
    spec.kind === 'MoveTables'
      ? primariesOfKeyspaces(vtctld, [spec.sourceKeyspace, spec.keyspace])
      : shardsAndPrimaries(vtctld, spec, state),
  );
}

function noPrimary(keyspace: string, shards: string[]): ToolkitError {
  return new ToolkitError(
    `${keyspace}/${shards.join(',')} has no primary tablet (VTOrc elects one; or PlannedReparentShard)`,
  );
}

async function primariesOfKeyspaces(vtctld: Vtctld, keyspaces: string[]): Promise<string> {
  const found: string[] = [];
  for (const keyspace of keyspaces) {
    const tablets = await readTablets(vtctld, keyspace);
    const shards = [...new Set(tablets.map((t) => t.shard))];
    if (shards.length === 0) throw new ToolkitError(`keyspace ${keyspace} has no tablets`);
    const orphan = shards.filter((s) => !tablets.some((t) => t.shard === s && t.type === 'primary'));
    if (orphan.length > 0) throw noPrimary(keyspace, orphan);
    found.push(`${keyspace}/${shards.join(',')}`);
  }
  return `primaries serving in ${found.join(' and ')}`;
}

async function shardsAndPrimaries(vtctld: Vtctld, spec: ReshardSpec, state: WorkflowState): Promise<string> {
  const wanted = [
    ...spec.targets.map((t) => t.name),
    ...(state.completed ? [] : spec.sources.map((s) => s.name)),
  ];
  for (const shard of wanted) {
    if (!(await shardExists(vtctld, spec.keyspace, shard))) {
      throw new ToolkitError(
        `shard ${spec.keyspace}/${shard} does not exist: bring up its tablets first (scripts/vitess-local.mjs add-shards ${spec.keyspace} ${shard})`,
      );
    }
  }
  const tablets = await readTablets(vtctld, spec.keyspace);
  const orphan = wanted.filter((s) => !tablets.some((t) => t.shard === s && t.type === 'primary'));
  if (orphan.length > 0) throw noPrimary(spec.keyspace, orphan);
  return `shards ${wanted.join(', ')} exist, each with a primary`;
}

/** The target keyspace's VSchema routes the table (else ApplyVSchema); MoveTables: what the source lists. */
export async function preflightVSchema({ run, vtctld, spec, host }: StageContext, reachable: boolean) {
  const { sharded } = spec;
  const apply = commands.applyVSchema(spec.keyspace, sharded.vschemaFile);
  if (!reachable) {
    await run.step(`vschema ${spec.keyspace}`, host, async () => ({
      status: 'planned',
      detail: `if it does not route ${sharded.table} by ${sharded.column}: ${vtctld.commandLine(apply)}`,
    }));
    return;
  }
  await run.converge({
    name: `vschema ${spec.keyspace}`,
    host,
    read: () => readVSchema(vtctld, spec.keyspace),
    diff: (vschema) => (routesTable(vschema, sharded) ? null : vtctld.commandLine(apply)),
    describe: () => `routes ${sharded.table} by ${sharded.column} with ${sharded.vindex}`,
    // A lost answer leaves it unknown whether the VSchema was applied: say so, like every other write.
    apply: () =>
      guard(`vschema ${spec.keyspace}`, async () => {
        await vtctld.run(apply);
      }),
  });
  if (spec.kind === 'MoveTables') {
    await run.check(`vschema ${spec.sourceKeyspace}`, host, async () => {
      const source = await readVSchema(vtctld, spec.sourceKeyspace);
      const listed = spec.tables.filter((t) => source.tables.includes(t));
      return listed.length > 0
        ? `lists ${listed.join(',')} (until complete removes it)`
        : `no longer lists ${spec.tables.join(',')}`;
    });
  }
}
