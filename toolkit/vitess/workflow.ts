import { ToolkitError } from '../procedure/errors.ts';
import type { KeyRange } from './keyrange.ts';
import {
  copyFinished,
  isErrorStream,
  parseTablets,
  parseTrafficState,
  parseVSchema,
  parseWorkflowStatus,
  type Switched,
  servedShards,
  type Tablet,
  topologyData,
  type WorkflowStatus,
} from './outputs.ts';
import { isNotFound, type Vtctld } from './vtctldclient.ts';

/** The table Vitess shards and how: the VSchema in vitess/ routes it by this column with this vindex. */
export interface ShardedTable {
  table: string;
  column: string;
  vindex: string;
  /** vitess/vschema/<keyspace>.json, applied when the keyspace's VSchema does not route the table yet. */
  vschemaFile: string;
}

export interface MoveTablesSpec {
  kind: 'MoveTables';
  keyspace: string;
  workflow: string;
  sourceKeyspace: string;
  tables: string[];
  sharded: ShardedTable;
}

export interface ReshardSpec {
  kind: 'Reshard';
  keyspace: string;
  workflow: string;
  sources: KeyRange[];
  targets: KeyRange[];
  sharded: ShardedTable;
}

export type WorkflowSpec = MoveTablesSpec | ReshardSpec;

const names = (ranges: KeyRange[]) => ranges.map((r) => r.name).join(',');

/** Every vtctldclient command the runbooks send, in one place, so a dry run prints exactly these. */
export const commands = {
  base: (s: WorkflowSpec) => [s.kind, '--target-keyspace', s.keyspace, '--workflow', s.workflow],
  create(s: WorkflowSpec): string[] {
    if (s.kind === 'MoveTables')
      return [
        ...this.base(s),
        'create',
        '--source-keyspace',
        s.sourceKeyspace,
        '--tables',
        s.tables.join(','),
      ];
    // `=` keeps a shard list that starts with '-' attached to its flag.
    return [
      ...this.base(s),
      'create',
      `--source-shards=${names(s.sources)}`,
      `--target-shards=${names(s.targets)}`,
    ];
  },
  status: (s: WorkflowSpec) => [...commands.base(s), 'status', '--format=json'],
  start: (s: WorkflowSpec) => [...commands.base(s), 'start'],
  vdiffCreate: (s: WorkflowSpec) => [
    'VDiff',
    '--target-keyspace',
    s.keyspace,
    '--workflow',
    s.workflow,
    'create',
  ],
  vdiffShow: (s: WorkflowSpec, id: string) => [
    'VDiff',
    '--format=json',
    '--target-keyspace',
    s.keyspace,
    '--workflow',
    s.workflow,
    'show',
    id,
  ],
  switchReads: (s: WorkflowSpec) => [...commands.base(s), 'switchtraffic', '--tablet-types=rdonly,replica'],
  switchWrites: (s: WorkflowSpec) => [...commands.base(s), 'switchtraffic', '--tablet-types=primary'],
  reverse: (s: WorkflowSpec, writes: boolean) => [
    ...commands.base(s),
    'reversetraffic',
    `--tablet-types=${writes ? 'rdonly,replica,primary' : 'rdonly,replica'}`,
  ],
  // MoveTables: keep the moved table on the source as _chat_message_old (pinned: the default changed across versions).
  complete: (s: WorkflowSpec) => [
    ...commands.base(s),
    'complete',
    ...(s.kind === 'MoveTables' ? ['--rename-tables'] : []),
  ],
  cancel: (s: WorkflowSpec) => [...commands.base(s), 'cancel'],
  deleteShard: (keyspace: string, shard: string) => ['DeleteShards', '--recursive', `${keyspace}/${shard}`],
  routingRules: () => ['GetRoutingRules'],
  keyspace: (keyspace: string) => ['GetKeyspace', keyspace],
  vschema: (keyspace: string) => ['GetVSchema', keyspace],
  applyVSchema: (keyspace: string, file: string) => ['ApplyVSchema', '--vschema-file', file, keyspace],
  tablets: (keyspace: string) => ['GetTablets', `--keyspace=${keyspace}`],
  shardRecord: (keyspace: string, shard: string) => [
    'GetTopologyPath',
    `/global/keyspaces/${keyspace}/shards/${shard}/Shard`,
  ],
  srvKeyspace: (cell: string, keyspace: string) => [
    'GetTopologyPath',
    `/${cell}/keyspaces/${keyspace}/SrvKeyspace`,
  ],
};

/** What the runbook knows about a workflow; the dry run advances a copy of it step by step. */
export interface WorkflowState {
  /** The workflow's streams exist (it was created and not yet completed or cancelled). */
  exists: boolean;
  /** A stream was stopped (created without auto-start, or stopped by hand). */
  stopped: boolean;
  copyDone: boolean;
  errors: string[];
  reads: Switched;
  writes: Switched;
  /** The workflow ran to its end: `complete` removed it after the cutover. */
  completed: boolean;
  /** Reshard: source shards still in the topology. */
  sourcesLeft: string[];
  trafficText: string;
}

export const freshState = (spec: WorkflowSpec): WorkflowState => ({
  exists: false,
  stopped: false,
  copyDone: false,
  errors: [],
  reads: 'none',
  writes: 'none',
  completed: false,
  sourcesLeft: spec.kind === 'Reshard' ? spec.sources.map((s) => s.name) : [],
  trafficText: 'no workflow',
});

export type Phase =
  | 'absent'
  | 'created'
  | 'copying'
  | 'error'
  | 'running'
  | 'reads switched'
  | 'writes switched'
  | 'completed'
  | 'done';

export function phaseOf(state: WorkflowState): Phase {
  if (state.completed) return state.sourcesLeft.length > 0 ? 'completed' : 'done';
  if (!state.exists) return 'absent';
  if (state.writes === 'all' && state.reads === 'all') return 'writes switched';
  if (state.reads !== 'none' || state.writes !== 'none') return 'reads switched';
  if (state.errors.length > 0) return 'error';
  if (state.stopped) return 'created';
  return state.copyDone ? 'running' : 'copying';
}

/** Status JSON of the workflow, or null when Vitess says there is no such workflow (however it words it). */
export async function readStatus(vtctld: Vtctld, spec: WorkflowSpec): Promise<WorkflowStatus | null> {
  let text: string;
  try {
    text = await vtctld.run(commands.status(spec));
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
  const status = parseWorkflowStatus(text);
  return status.streams.length === 0 ? null : status;
}

export function stateFromStatus(
  status: WorkflowStatus,
): Pick<WorkflowState, 'exists' | 'stopped' | 'copyDone' | 'errors' | 'reads' | 'writes' | 'trafficText'> {
  const traffic = parseTrafficState(status.trafficState);
  const errors = status.streams
    .filter(isErrorStream)
    .map((s) => `stream ${s.id} on ${s.target} (${s.tablet}): ${s.status}`);
  const started = status.streams.every((s) => !/has not started/i.test(s.info));
  return {
    exists: true,
    stopped: status.streams.some((s) => /^stopped$/i.test(s.status)),
    copyDone: copyFinished(status) && started,
    errors,
    ...traffic,
    trafficText: status.trafficState,
  };
}

export async function readTablets(vtctld: Vtctld, keyspace: string): Promise<Tablet[]> {
  return parseTablets(await vtctld.run(commands.tablets(keyspace)));
}

export async function shardExists(vtctld: Vtctld, keyspace: string, shard: string): Promise<boolean> {
  try {
    topologyData(await vtctld.run(commands.shardRecord(keyspace, shard)));
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

/** A keyspace's VSchema; a keyspace that never had one reads as empty (Vitess answers `{}` or "not found"). */
export async function readVSchema(vtctld: Vtctld, keyspace: string) {
  try {
    return parseVSchema(await vtctld.run(commands.vschema(keyspace)));
  } catch (error) {
    if (isNotFound(error)) return parseVSchema('{}');
    throw error;
  }
}

export function routesTable(vschema: ReturnType<typeof parseVSchema>, sharded: ShardedTable): boolean {
  const vindex = vschema.primaryVindex(sharded.table);
  return vschema.sharded && vindex?.column === sharded.column && vindex.type === sharded.vindex;
}

/**
 * Reads the workflow's state from Vitess. A workflow that is gone is told apart from one never
 * created by what `complete` leaves behind: for MoveTables the table left the source keyspace's
 * VSchema and is in the target's; for Reshard the keyspace serves the target shards.
 */
export async function observe(vtctld: Vtctld, spec: WorkflowSpec): Promise<WorkflowState> {
  const status = await readStatus(vtctld, spec);
  const state = freshState(spec);
  if (spec.kind === 'Reshard') {
    const left: string[] = [];
    for (const s of spec.sources) if (await shardExists(vtctld, spec.keyspace, s.name)) left.push(s.name);
    state.sourcesLeft = left;
  }
  if (status) {
    if (spec.kind === 'Reshard') {
      const targets = [...new Set(status.streams.map((s) => s.target.split('/').pop() ?? ''))].sort();
      const wanted = spec.targets.map((t) => t.name).sort();
      if (targets.join(',') !== wanted.join(',')) {
        throw new ToolkitError(
          `workflow ${spec.keyspace}.${spec.workflow} exists with target shards ${targets.join(',')}, not ${wanted.join(',')}: finish or cancel it first, or pick another --workflow`,
        );
      }
    }
    return { ...state, ...stateFromStatus(status) };
  }
  state.completed = await completedWithoutWorkflow(vtctld, spec);
  if (state.completed) {
    state.reads = 'all';
    state.writes = 'all';
    state.trafficText = 'completed';
  }
  return state;
}

async function completedWithoutWorkflow(vtctld: Vtctld, spec: WorkflowSpec): Promise<boolean> {
  if (spec.kind === 'MoveTables') {
    const source = await readVSchema(vtctld, spec.sourceKeyspace);
    const target = await readVSchema(vtctld, spec.keyspace);
    const inSource = spec.tables.every((t) => source.tables.includes(t));
    const inTarget = spec.tables.every((t) => target.tables.includes(t));
    if (inSource) return false;
    if (inTarget) return true;
    throw new ToolkitError(
      `${spec.tables.join(',')} is in neither the ${spec.sourceKeyspace} nor the ${spec.keyspace} VSchema: apply vitess/vschema/${spec.sourceKeyspace}.json to ${spec.sourceKeyspace} first`,
    );
  }
  const cells = [...new Set((await readTablets(vtctld, spec.keyspace)).map((t) => t.cell))];
  if (cells.length === 0)
    throw new ToolkitError(
      `keyspace ${spec.keyspace} has no tablets: start them first (scripts/vitess-local.mjs or your deployment)`,
    );
  const served = new Set<string>();
  for (const cell of cells)
    for (const shard of servedShards(
      topologyData(await vtctld.run(commands.srvKeyspace(cell, spec.keyspace))),
      'PRIMARY',
    ))
      served.add(shard);
  const sourcesServed = spec.sources.filter((s) => served.has(s.name)).length;
  const targetsServed = spec.targets.filter((t) => served.has(t.name)).length;
  if (targetsServed === spec.targets.length && sourcesServed === 0) return true;
  if (sourcesServed === spec.sources.length && targetsServed === 0) return false;
  throw new ToolkitError(
    `keyspace ${spec.keyspace} serves primary traffic from ${[...served].sort().join(',') || 'no shards'}: neither the source shards ${names(spec.sources)} nor the targets ${names(spec.targets)} alone, and no workflow ${spec.workflow} exists`,
  );
}
