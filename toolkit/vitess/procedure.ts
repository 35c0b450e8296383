import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../../lib/poll.ts';
import { stateDir } from '../inventory/paths.ts';
import { ToolkitError } from '../procedure/errors.ts';
import type { Run } from '../procedure/run.ts';
import {
  describeMismatch,
  parseRoutingRules,
  parseVDiffCreate,
  parseVDiffShow,
  routeOf,
  type VDiffReport,
} from './outputs.ts';
import { type Vtctld, VtctldError } from './vtctldclient.ts';
import {
  commands,
  freshState,
  observe,
  phaseOf,
  readStatus,
  readTablets,
  readVSchema,
  routesTable,
  shardExists,
  stateFromStatus,
  type WorkflowSpec,
  type WorkflowState,
} from './workflow.ts';

const unanswered = Symbol('vtctld did not answer');

/**
 * A read for a poll that tolerates a few unanswered polls in a row (vtctld restarting) and fails on
 * the next one, or at once on any other error. Answers `unanswered` for a poll to skip.
 */
function unreachableTolerance(limit: number) {
  let count = 0;
  return async <T>(read: () => Promise<T>, why: (reason: string) => void): Promise<T | typeof unanswered> => {
    try {
      const value = await read();
      count = 0;
      return value;
    } catch (error) {
      if (error instanceof VtctldError && error.kind === 'unreachable' && ++count < limit) {
        why(error.message);
        return unanswered;
      }
      throw error;
    }
  };
}

export interface WorkflowRunOptions {
  action: 'forward' | 'reverse' | 'cancel';
  pollMs: number;
  waitMs: number;
  /** Consecutive unanswered polls tolerated during a long wait before the run stops. */
  unansweredPolls?: number;
  /** Where routing-rule backups go; defaults to <state dir>/vitess/backups. */
  backupDir?: string;
  now?: () => Date;
}

const writeTimeoutMs = 15 * 60_000;

/**
 * Drives one MoveTables or Reshard workflow to its end as a resumable state machine: whatever state
 * Vitess reports, the run starts from there, and a finished workflow gives a run that changes
 * nothing. A dry run walks the same stages on a copy of the state and prints each command.
 */
export async function runWorkflow(
  run: Run,
  vtctld: Vtctld,
  spec: WorkflowSpec,
  options: WorkflowRunOptions,
): Promise<void> {
  const host = `vtctld ${vtctld.server}`;
  const ctx = { run, vtctld, spec, options, host };
  const reachable = await preflightReachable(ctx);
  let state: WorkflowState;
  if (reachable) {
    state = await observeStep(ctx);
    await preflightTopology(ctx, state);
  } else {
    state = freshState(spec);
  }
  if (options.action === 'cancel') return cancel(ctx, state, reachable);
  if (options.action === 'reverse') return reverse(ctx, state, reachable);
  if (phaseOf(state) !== 'done') await convergeVSchema(ctx, reachable);
  for (const stage of stagesFor(spec)) {
    if (!stage.needed(state)) continue;
    if (run.dryRun) {
      await run.step(stage.name, host, async () => ({ status: 'planned', detail: stage.plan(ctx, state) }));
      state = stage.assume(state);
      continue;
    }
    await run.step(stage.name, host, async () => {
      const detail = await guard(stage.name, () => stage.apply(ctx, state));
      state = await guard(stage.name, () => observe(vtctld, spec));
      return { status: 'changed', detail };
    });
  }
}

interface Ctx {
  run: Run;
  vtctld: Vtctld;
  spec: WorkflowSpec;
  options: WorkflowRunOptions;
  host: string;
}

interface Stage {
  name: string;
  needed(state: WorkflowState): boolean;
  plan(ctx: Ctx, state: WorkflowState): string;
  apply(ctx: Ctx, state: WorkflowState): Promise<string>;
  assume(state: WorkflowState): WorkflowState;
}

/** A lost vtctld mid-command leaves its outcome unknown: say so, and that a re-run reads the state again. */
async function guard<T>(stage: string, body: () => Promise<T>): Promise<T> {
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

async function preflightReachable({ run, vtctld, spec, host }: Ctx): Promise<boolean> {
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

async function observeStep({ run, vtctld, spec, host }: Ctx): Promise<WorkflowState> {
  let state = freshState(spec);
  await run.check('read workflow state', host, async () => {
    state = await observe(vtctld, spec);
    return `${spec.keyspace}.${spec.workflow}: ${phaseOf(state)} (${state.trafficText})`;
  });
  return state;
}

/** Shards exist and every shard that will take traffic has a primary tablet. */
async function preflightTopology({ run, vtctld, spec, host }: Ctx, state: WorkflowState): Promise<void> {
  if (phaseOf(state) === 'done') return;
  await run.check('preflight: shards and primaries', host, async () => {
    if (spec.kind === 'MoveTables') {
      const found: string[] = [];
      for (const keyspace of [spec.sourceKeyspace, spec.keyspace]) {
        const tablets = await readTablets(vtctld, keyspace);
        const shards = [...new Set(tablets.map((t) => t.shard))];
        if (shards.length === 0) throw new ToolkitError(`keyspace ${keyspace} has no tablets`);
        const orphan = shards.filter((s) => !tablets.some((t) => t.shard === s && t.type === 'primary'));
        if (orphan.length > 0)
          throw new ToolkitError(
            `${keyspace}/${orphan.join(',')} has no primary tablet (VTOrc elects one; or PlannedReparentShard)`,
          );
        found.push(`${keyspace}/${shards.join(',')}`);
      }
      return `primaries serving in ${found.join(' and ')}`;
    }
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
    if (orphan.length > 0)
      throw new ToolkitError(
        `${spec.keyspace}/${orphan.join(',')} has no primary tablet (VTOrc elects one; or PlannedReparentShard)`,
      );
    return `shards ${wanted.join(', ')} exist, each with a primary`;
  });
}

async function convergeVSchema({ run, vtctld, spec, host }: Ctx, reachable: boolean): Promise<void> {
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
    apply: async () => {
      await vtctld.run(apply);
    },
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

function stagesFor(spec: WorkflowSpec): Stage[] {
  const stages: Stage[] = [
    createStage,
    startStage,
    copyStage,
    vdiffStage,
    switchReadsStage,
    switchWritesStage,
    completeStage,
  ];
  if (spec.kind === 'Reshard') stages.push(deleteSourcesStage);
  return stages;
}

const createStage: Stage = {
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

const startStage: Stage = {
  name: 'start workflow',
  needed: (s) => s.exists && s.stopped && s.reads === 'none' && s.writes === 'none',
  plan: ({ vtctld, spec }) => vtctld.commandLine(commands.start(spec)),
  async apply({ vtctld, spec }) {
    await vtctld.run(commands.start(spec));
    return 'streams started';
  },
  assume: (s) => ({ ...s, stopped: false }),
};

const copyStage: Stage = {
  name: 'copy',
  needed: (s) =>
    s.exists &&
    s.writes === 'none' &&
    s.reads === 'none' &&
    (!s.copyDone || s.errors.length > 0 || s.stopped),
  plan: ({ vtctld, spec }) =>
    `poll ${vtctld.commandLine(commands.status(spec))} until every table's phase is COMPLETE and every stream Running`,
  async apply({ run, vtctld, spec, options }) {
    const meter = run.meter(`copy ${spec.keyspace}.${spec.workflow}`, undefined, 'rows');
    const tolerate = unreachableTolerance(options.unansweredPolls ?? 3);
    let lastTotal: number | undefined;
    let fatal: Error | undefined;
    const outcome = await waitFor(
      async (why) => {
        let status: Awaited<ReturnType<typeof readStatus>> | typeof unanswered;
        try {
          status = await tolerate(() => readStatus(vtctld, spec), why);
        } catch (error) {
          fatal = error as Error;
          return 'stop';
        }
        if (status === unanswered) return undefined;
        if (!status) {
          fatal = new ToolkitError(
            `workflow ${spec.keyspace}.${spec.workflow} disappeared during the copy (cancelled elsewhere?)`,
          );
          return 'stop';
        }
        const state = stateFromStatus(status);
        if (state.errors.length > 0) {
          fatal = new ToolkitError(
            `${state.errors.join('; ')}. Vitess retries errored streams; fix the cause, then re-run to resume (or --cancel)`,
          );
          return 'stop';
        }
        const progress = status.tables.reduce(
          (sum, t) => ({ copied: sum.copied + t.rowsCopied, total: sum.total + t.rowsTotal }),
          { copied: 0, total: 0 },
        );
        if (progress.total !== lastTotal) lastTotal = progress.total;
        meter.set(progress.copied);
        run.progress(
          `${meter.render()}${progress.total ? ` of about ${progress.total.toLocaleString('en-US')}` : ''}`,
        );
        if (state.stopped) {
          fatal = new ToolkitError(
            `a stream of ${spec.keyspace}.${spec.workflow} is Stopped: re-run to start it, or look at ${vtctld.commandLine(commands.base(spec).concat('show'))}`,
          );
          return 'stop';
        }
        why(`${status.streams.map((s) => `${s.target}: ${s.status}`).join(', ')}`);
        return state.copyDone
          ? `copied ${progress.copied.toLocaleString('en-US')} rows; streams running`
          : undefined;
      },
      {
        timeoutMs: options.waitMs,
        intervalMs: options.pollMs,
        what: `the copy of ${spec.keyspace}.${spec.workflow}`,
      },
    );
    if (fatal) throw fatal;
    return outcome;
  },
  assume: (s) => ({ ...s, copyDone: true, errors: [], stopped: false }),
};

const vdiffStage: Stage = {
  name: 'vdiff',
  needed: (s) => s.exists && s.reads === 'none' && s.writes === 'none',
  plan: ({ vtctld, spec }) =>
    `${vtctld.commandLine(commands.vdiffCreate(spec))}; poll ${vtctld.commandLine(commands.vdiffShow(spec, '<uuid>'))} until completed; any mismatch stops the run`,
  async apply({ run, vtctld, spec, options }) {
    const last = parseVDiffShow(await vtctld.run(commands.vdiffShow(spec, 'last')));
    let id: string;
    let resumed = false;
    if (last && (last.state === 'started' || last.state === 'pending')) {
      id = last.uuid;
      resumed = true;
    } else {
      const created = parseVDiffCreate(await vtctld.run(commands.vdiffCreate(spec), writeTimeoutMs));
      if (created) id = created;
      else {
        const latest = parseVDiffShow(await vtctld.run(commands.vdiffShow(spec, 'last')));
        if (!latest?.uuid) throw new ToolkitError('VDiff create gave no uuid and show last has none');
        id = latest.uuid;
      }
    }
    const tolerate = unreachableTolerance(options.unansweredPolls ?? 3);
    let fatal: Error | undefined;
    const report = await waitFor<VDiffReport | 'stop'>(
      async (why) => {
        let r: VDiffReport | null | typeof unanswered;
        try {
          r = await tolerate(async () => parseVDiffShow(await vtctld.run(commands.vdiffShow(spec, id))), why);
        } catch (error) {
          fatal = error as Error;
          return 'stop';
        }
        if (r === unanswered) return undefined;
        if (!r) {
          why(`VDiff ${id} not visible yet`);
          return undefined;
        }
        if (r.progress)
          run.progress(
            `vdiff ${id}: ${r.progress.percentage.toFixed(2)}% (${r.rowsCompared.toLocaleString('en-US')} rows), ETA ${r.progress.eta}`,
          );
        why(`VDiff ${id} is ${r.state}`);
        if (r.state === 'error' || r.errors.length > 0) {
          fatal = new ToolkitError(`VDiff ${id} failed: ${r.errors.join('; ') || 'state error'}`);
          return 'stop';
        }
        if (r.state === 'stopped') {
          fatal = new ToolkitError(`VDiff ${id} was stopped: re-run to start a new one`);
          return 'stop';
        }
        return r.state === 'completed' ? r : undefined;
      },
      { timeoutMs: options.waitMs, intervalMs: options.pollMs, what: `VDiff ${id}` },
    );
    if (fatal) throw fatal;
    if (report === 'stop') throw new ToolkitError(`VDiff ${id} stopped`);
    if (report.hasMismatch)
      throw new ToolkitError(
        `${describeMismatch(report)}. Nothing was switched; see ${vtctld.commandLine(commands.vdiffShow(spec, id))} --verbose`,
      );
    return `VDiff ${id}${resumed ? ' (resumed)' : ''} clean: ${report.rowsCompared.toLocaleString('en-US')} rows compared, no mismatch`;
  },
  assume: (s) => s,
};

async function backupTopology({ run, vtctld, spec, options }: Ctx, label: string): Promise<string> {
  const rules = await vtctld.run(commands.routingRules());
  const dir = options.backupDir ?? join(stateDir(), 'vitess', 'backups');
  const stamp = (options.now?.() ?? new Date()).toISOString().replaceAll(':', '-');
  const folder = join(dir, `${spec.keyspace}.${spec.workflow}`);
  mkdirSync(folder, { recursive: true });
  const file = join(folder, `${stamp}-${label}.routing-rules.json`);
  writeFileSync(file, rules);
  run.note(`routing rules (${parseRoutingRules(rules).length}) backed up to ${file}`);
  return file;
}

function switchStage(name: string, kind: 'reads' | 'writes'): Stage {
  const command = kind === 'reads' ? commands.switchReads : commands.switchWrites;
  return {
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
      const backup = await backupTopology(ctx, `before-${kind}`);
      await vtctld.run(command(spec), writeTimeoutMs);
      const status = await readStatus(vtctld, spec);
      if (!status)
        throw new ToolkitError(`after switching ${kind}, ${spec.keyspace}.${spec.workflow} has no streams`);
      const after = stateFromStatus(status);
      if (after[kind] !== 'all')
        throw new ToolkitError(`switch ${kind} returned but the traffic state is '${status.trafficState}'`);
      if (spec.kind === 'MoveTables') await verifyRoutes(ctx, kind);
      return `${status.trafficState} (routing rules backed up to ${backup})`;
    },
    assume: (s) => ({ ...s, [kind]: 'all' }),
  };
}

/** MoveTables only: the routing rules themselves must now send the moved table to the target keyspace. */
async function verifyRoutes({ vtctld, spec }: Ctx, kind: 'reads' | 'writes'): Promise<void> {
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

const switchReadsStage = switchStage('switch reads (rdonly, replica)', 'reads');
const switchWritesStage = switchStage('switch writes (primary)', 'writes');

const completeStage: Stage = {
  name: 'complete',
  needed: (s) => s.exists,
  plan: ({ vtctld, spec }) =>
    `${vtctld.commandLine(commands.routingRules())} > backup; ${vtctld.commandLine(commands.complete(spec))}`,
  async apply(ctx) {
    const { vtctld, spec } = ctx;
    const backup = await backupTopology(ctx, 'before-complete');
    const out = await vtctld.run(commands.complete(spec), writeTimeoutMs);
    const state = await observe(vtctld, spec);
    if (!state.completed)
      throw new ToolkitError(`complete returned but the workflow is ${phaseOf(state)}: ${out.trim()}`);
    return `${out.trim() || 'completed'} (routing rules backed up to ${backup})`;
  },
  assume: (s) => ({ ...s, exists: false, completed: true, reads: 'all', writes: 'all' }),
};

const deleteSourcesStage: Stage = {
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

async function cancel(ctx: Ctx, state: WorkflowState, reachable: boolean): Promise<void> {
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
      const backup = await backupTopology(ctx, 'before-cancel');
      const out = await vtctld.run(commands.cancel(spec), writeTimeoutMs);
      if (await readStatus(vtctld, spec))
        throw new ToolkitError(`cancel returned but ${spec.keyspace}.${spec.workflow} still has streams`);
      return `${out.trim() || 'cancelled'} (routing rules backed up to ${backup})`;
    }),
  }));
}

async function reverse(ctx: Ctx, state: WorkflowState, reachable: boolean): Promise<void> {
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
      const backup = await backupTopology(ctx, 'before-reverse');
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
