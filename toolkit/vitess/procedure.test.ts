import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../lib/temp-dirs.ts';
import { createReporter } from '../procedure/reporter.ts';
import { Run } from '../procedure/run.ts';
import type { RunbookReport } from '../procedure/types.ts';
import { parseShardList } from './keyrange.ts';
import { runWorkflow, type StageId, untilStages, type WorkflowRunOptions } from './procedure.ts';
import { answer, at, type FakeState, fakeState } from './testing/fake-vitess.ts';
import { Vtctld } from './vtctldclient.ts';
import type { WorkflowSpec } from './workflow.ts';

const backups = makeTempDir('vitess-backups-');
afterAll(() => rmSync(backups, { recursive: true, force: true }));

const sharded = {
  table: 'chat_message',
  column: 'chat_id',
  vindex: 'reverse_bits',
  vschemaFile: '/repo/vitess/vschema/chat_message.json',
};

function specFor(s: FakeState): WorkflowSpec {
  if (s.kind === 'MoveTables') {
    return {
      kind: 'MoveTables',
      keyspace: s.keyspace,
      workflow: s.workflow,
      sourceKeyspace: s.sourceKeyspace,
      tables: ['chat_message'],
      sharded,
    };
  }
  return {
    kind: 'Reshard',
    keyspace: s.keyspace,
    workflow: s.workflow,
    sources: parseShardList(s.sources.join(','), 'sources'),
    targets: parseShardList(s.targets.join(','), 'targets'),
    sharded,
  };
}

interface Outcome {
  report: RunbookReport;
  error?: Error;
  calls: string[][];
}

async function drive(
  s: FakeState,
  options: { dryRun?: boolean; action?: WorkflowRunOptions['action']; until?: StageId } = {},
): Promise<Outcome> {
  const run = new Run({
    runbook: 'test',
    env: 'test',
    dryRun: options.dryRun ?? false,
    reporter: createReporter('json'),
  });
  const vtctld = new Vtctld({ server: '127.0.0.1:15999', exec: async (_file, args) => answer(s, args) });
  let error: Error | undefined;
  try {
    await runWorkflow(run, vtctld, specFor(s), {
      action: options.action ?? 'forward',
      pollMs: 1,
      waitMs: 10_000,
      backupDir: backups,
      unansweredPolls: 1,
      ...(options.until ? { until: options.until } : {}),
    });
  } catch (e) {
    error = e as Error;
  }
  return { report: run.report(), ...(error ? { error } : {}), calls: s.calls.splice(0) };
}

const stepsWith = (o: Outcome, status: string) =>
  o.report.steps.filter((s) => s.status === status).map((s) => s.name);
const mutating = /^(create|start|switchtraffic|reversetraffic|complete|cancel)$/;
const writes = (calls: string[][]) =>
  calls.filter(
    (c) =>
      c[0] === 'ApplyVSchema' ||
      c[0] === 'DeleteShards' ||
      (c[0] === 'VDiff' && c.includes('create')) ||
      mutating.test(c[5] ?? ''),
  );

/** What a run leaves in Vitess: where the workflow is, which shards exist and serve, the VSchemas. */
const endState = (s: FakeState) => ({
  phase: s.phase,
  reads: s.reads,
  writes: s.writes,
  shards: s.shards,
  served: s.served,
  sourceListsTable: s.sourceListsTable,
  targetRouted: s.targetRouted,
});

const reshard = () => fakeState({ kind: 'Reshard' });
const moveTables = () => fakeState({ kind: 'MoveTables' });

const forwardStages = [
  'create workflow',
  'copy',
  'vdiff',
  'switch reads (rdonly, replica)',
  'switch writes (primary)',
  'complete',
];
const remaining: Record<string, string[]> = {
  absent: forwardStages,
  created: ['start workflow', 'copy', ...forwardStages.slice(2)],
  copying: forwardStages.slice(1),
  running: forwardStages.slice(2),
  'reads switched': forwardStages.slice(4),
  'writes switched': forwardStages.slice(5),
  completed: [],
  done: [],
};

describe.each([
  ['Reshard', reshard],
  ['MoveTables', moveTables],
] as const)('%s state machine', (kind, make) => {
  const points = (
    kind === 'Reshard' ? Object.keys(remaining) : Object.keys(remaining).filter((p) => p !== 'completed')
  ) as Array<Parameters<typeof at>[1]>;

  it.each(points)('resumes from %s, ends done, and a re-run changes nothing', async (point) => {
    const s = at(make(), point);
    const first = await drive(s);
    expect(first.error).toBeUndefined();
    const deletes = kind === 'Reshard' && point !== 'done' ? ['delete source shards'] : [];
    expect(stepsWith(first, 'changed')).toEqual([...remaining[point]!, ...deletes]);
    expect(s.phase).toBe('completed');
    const again = await drive(s);
    expect(again.error).toBeUndefined();
    expect(again.report.changed).toBe(0);
    expect(writes(again.calls)).toEqual([]);
    expect(again.report.steps.find((x) => x.name === 'read workflow state')?.detail).toMatch(
      /: done \(completed\)$/,
    );
  });

  it.each(points)('dry run from %s plans the remaining stages and sends no write', async (point) => {
    const s = at(make(), point);
    const plan = await drive(s, { dryRun: true });
    expect(plan.error).toBeUndefined();
    const deletes = kind === 'Reshard' && point !== 'done' ? ['delete source shards'] : [];
    expect(stepsWith(plan, 'planned')).toEqual([...remaining[point]!, ...deletes]);
    expect(writes(plan.calls)).toEqual([]);
  });

  it('treats an unknown workflow answered with empty JSON like one answered with an error', async () => {
    const s = at(make(), 'absent');
    s.unknownWorkflow = 'empty';
    const first = await drive(s);
    expect(first.error).toBeUndefined();
    expect(stepsWith(first, 'changed')).toContain('create workflow');
    expect((await drive(s)).report.changed).toBe(0);
  });

  it('stops on a VDiff mismatch with the report, and switches nothing', async () => {
    const s = at(make(), 'running');
    s.vdiff = 'mismatch';
    const outcome = await drive(s);
    expect(outcome.error?.message).toMatch(
      /^vdiff on vtctld 127\.0\.0\.1:15999: VDiff \S+ found differences after comparing 3 rows: t1: 1 mismatched/,
    );
    expect(outcome.error?.message).toContain('"c2":"4"');
    expect(outcome.error?.message).not.toContain('\n');
    expect(outcome.calls.some((c) => c[5] === 'switchtraffic')).toBe(false);
    expect(s.reads).toBe(false);
  });

  it('stops on an Error stream, and resumes once the stream recovers', async () => {
    const s = at(make(), 'error');
    const outcome = await drive(s);
    expect(outcome.error?.message).toMatch(
      /^copy on vtctld 127\.0\.0\.1:15999: stream 1 on chat_message\/\S+ \(zone1-200\): Error: Unknown column 'notes'/,
    );
    expect(outcome.calls.some((c) => c[0] === 'VDiff')).toBe(false);
    s.phase = 'running';
    const resumed = await drive(s);
    expect(resumed.error).toBeUndefined();
    expect(stepsWith(resumed, 'changed')[0]).toBe('vdiff');
  });

  describe.each(['refused', 'applied'] as const)('losing vtctld at every call (the call %s)', (outage) => {
    /**
     * Runs `first` from a fresh model with vtctld lost at each call index in turn: the broken run must
     * fail naming its step, the re-run (`then`) must end where an unbroken run ends, and every change
     * must have taken effect exactly as often as in the unbroken run.
     */
    async function everyCall(
      model: () => FakeState,
      first: WorkflowRunOptions['action'],
      then: WorkflowRunOptions['action'] = first,
    ) {
      const reference = model();
      const total = (await drive(reference, { action: first })).calls.length;
      const once = reference.applied.filter((c) => c !== 'VDiff create');
      expect(once.length).toBeGreaterThan(0);
      for (let lostAt = 0; lostAt < total; lostAt++) {
        const s = model();
        s.answersLeft = lostAt;
        s.outage = outage;
        const broken = await drive(s, { action: first });
        expect(broken.error?.message, `lost at call ${lostAt}`).toMatch(
          /^[a-z][a-z_ :(),]+ on vtctld 127\.0\.0\.1:15999: vtctld did not answer: /,
        );
        expect(broken.error?.message).not.toContain('\n');
        if (writes([broken.calls.at(-1) ?? []]).length > 0)
          expect(broken.error?.message, `lost a write at call ${lostAt}`).toContain(
            'may or may not have taken effect: re-run',
          );
        delete s.answersLeft;
        const resumed = await drive(s, { action: then });
        expect(resumed.error, `resume after losing vtctld at call ${lostAt}`).toBeUndefined();
        expect(endState(s), `end after losing vtctld at call ${lostAt}`).toEqual(endState(reference));
        expect(
          s.applied.filter((c) => c !== 'VDiff create'),
          `changes after losing vtctld at call ${lostAt}`,
        ).toEqual(once);
        // A VDiff finished before the outage is run again before switching, never more often.
        expect(s.applied.filter((c) => c === 'VDiff create').length).toBeLessThanOrEqual(
          reference.applied.filter((c) => c === 'VDiff create').length + 1,
        );
      }
      return { total, end: endState(reference) };
    }

    it('of a full run: each run fails naming its step, the next one converges, nothing applied twice', async () => {
      const unrouted = () => {
        const s = at(make(), 'absent');
        s.targetRouted = false;
        return s;
      };
      const { total, end } = await everyCall(unrouted, 'forward');
      expect(total).toBeGreaterThan(20);
      expect(end.phase).toBe('completed');
    });

    it('of a run that starts stopped streams', async () => {
      expect((await everyCall(() => at(make(), 'created'), 'forward')).end.phase).toBe('completed');
    });

    it('of --reverse: the re-run reverses nothing twice', async () => {
      const { end } = await everyCall(() => at(make(), 'writes switched'), 'reverse');
      expect([end.reads, end.writes]).toEqual([false, false]);
    });

    it('of --cancel: the re-run cancels nothing twice', async () => {
      expect((await everyCall(() => at(make(), 'copying'), 'cancel')).end.phase).toBe('absent');
    });
  });

  it('backs up the routing rules before each cutover', async () => {
    const s = at(make(), 'running');
    s.workflow = `${s.workflow}_backup`;
    await drive(s);
    const files = readdirSync(join(backups, `${s.keyspace}.${s.workflow}`)).map((f) =>
      f.replace(/^.*Z-/, ''),
    );
    expect(files.sort()).toEqual([
      'before-complete.routing-rules.json',
      'before-reads.routing-rules.json',
      'before-writes.routing-rules.json',
    ]);
  });

  it('resumes after a SwitchTraffic that could not catch up', async () => {
    const s = at(make(), 'running');
    s.switchFails = true;
    const failed = await drive(s);
    expect(failed.error?.message).toMatch(
      /^switch reads \(rdonly, replica\) on vtctld .*failed to sync up replication between the source and target/,
    );
    expect((await drive(s)).error).toBeUndefined();
    expect(s.phase).toBe('completed');
  });

  it('applies the VSchema when the target keyspace does not route chat_message yet', async () => {
    const s = at(make(), 'absent');
    s.targetRouted = false;
    const plan = await drive(s, { dryRun: true });
    expect(plan.report.steps.find((x) => x.name === 'vschema chat_message')).toMatchObject({
      status: 'planned',
      detail:
        'vtctldclient --server 127.0.0.1:15999 ApplyVSchema --vschema-file /repo/vitess/vschema/chat_message.json chat_message',
    });
    const outcome = await drive(s);
    expect(outcome.error).toBeUndefined();
    expect(outcome.report.steps.find((x) => x.name === 'vschema chat_message')?.status).toBe('changed');
  });

  describe('--until', () => {
    const all = [...forwardStages, ...(kind === 'Reshard' ? ['delete source shards'] : [])];

    // untilStages lists the stages in run order, so a stage's index is how many steps run up to it.
    it.each(untilStages(kind))(
      'stops after %s, says what is next, and a run without it continues',
      async (until) => {
        const through = all.slice(0, untilStages(kind).indexOf(until));
        const s = at(make(), 'absent');
        s.copyLength = 10; // the copy is still going when the run stops after create
        const first = await drive(s, { until });
        expect(first.error).toBeUndefined();
        expect(stepsWith(first, 'changed')).toEqual(through);
        const stop = first.report.steps.at(-1);
        expect(stop).toMatchObject({ name: `stop after ${until} (--until)`, status: 'ok' });
        // Until traffic moves, every run compares the data again (VDiff) right before switching reads.
        const next = all.slice(until === 'vdiff' ? through.length - 1 : through.length);
        expect(stop?.detail).toContain(
          `; the next run without --until: ${next.length > 0 ? next.join(', ') : 'nothing left to do'}`,
        );
        const rest = await drive(s);
        expect(rest.error).toBeUndefined();
        expect(stepsWith(rest, 'changed')).toEqual(next);
        expect(s.phase).toBe('completed');
      },
    );

    it('switch-writes stops before complete, so --reverse still works; then a run without it completes', async () => {
      const s = at(make(), 'absent');
      const stopped = await drive(s, { until: 'switch-writes' });
      expect(stopped.calls.some((c) => c[5] === 'complete')).toBe(false);
      expect(stopped.report.steps.at(-1)?.detail).toMatch(
        /^chat_message\.\w+ is writes switched \(All Reads Switched\. Writes Switched\); the next run without --until: complete(, delete source shards)?; --reverse switches traffic back until complete runs$/,
      );
      const reversed = await drive(s, { action: 'reverse' });
      expect(reversed.error).toBeUndefined();
      expect([s.reads, s.writes]).toEqual([false, false]);
      const done = await drive(s);
      expect(done.error).toBeUndefined();
      expect(stepsWith(done, 'changed')).toEqual(all.slice(2));
      expect(s.phase).toBe('completed');
    });

    it('plans only up to the stage in a dry run', async () => {
      const plan = await drive(at(make(), 'absent'), { dryRun: true, until: 'switch-writes' });
      expect(plan.error).toBeUndefined();
      expect(stepsWith(plan, 'planned')).toEqual(forwardStages.slice(0, 5));
      expect(plan.report.steps.at(-1)?.detail).toMatch(
        /^after the steps above, chat_message\.\w+ would be writes switched; the next run without --until: complete/,
      );
      expect(writes(plan.calls)).toEqual([]);
    });

    it('changes nothing when the workflow is already past the stage', async () => {
      const s = at(make(), 'writes switched');
      const outcome = await drive(s, { until: 'copy' });
      expect(outcome.error).toBeUndefined();
      expect(outcome.report.changed).toBe(0);
      expect(writes(outcome.calls)).toEqual([]);
      expect(outcome.report.steps.at(-1)?.detail).toContain('is writes switched');
    });
  });

  describe('--cancel', () => {
    it('cancels before any switch', async () => {
      const s = at(make(), 'copying');
      const outcome = await drive(s, { action: 'cancel' });
      expect(outcome.error).toBeUndefined();
      expect(stepsWith(outcome, 'changed')).toEqual(['cancel']);
      expect(s.phase).toBe('absent');
      expect((await drive(s, { action: 'cancel' })).report.changed).toBe(0);
    });

    it('refuses once traffic was switched, before calling cancel', async () => {
      const s = at(make(), 'reads switched');
      const outcome = await drive(s, { action: 'cancel' });
      expect(outcome.error?.message).toMatch(
        /traffic is already switched \(All Reads Switched\. Writes Not Switched\): .*run --reverse first/,
      );
      expect(outcome.calls.some((c) => c[5] === 'cancel')).toBe(false);
    });
  });

  describe('--reverse', () => {
    it('switches reads and writes back, then has nothing left to do', async () => {
      const s = at(make(), 'writes switched');
      const outcome = await drive(s, { action: 'reverse' });
      expect(outcome.error).toBeUndefined();
      expect(outcome.calls.find((c) => c[5] === 'reversetraffic')).toContain(
        '--tablet-types=rdonly,replica,primary',
      );
      expect([s.reads, s.writes]).toEqual([false, false]);
      const again = await drive(s, { action: 'reverse' });
      expect(again.report.changed).toBe(0);
      expect(again.report.steps.at(-1)?.detail).toMatch(/nothing switched/);
    });

    it('reverses only reads when only reads were switched', async () => {
      const s = at(make(), 'reads switched');
      const outcome = await drive(s, { action: 'reverse' });
      expect(outcome.calls.find((c) => c[5] === 'reversetraffic')).toContain('--tablet-types=rdonly,replica');
      expect(s.reads).toBe(false);
    });

    it('refuses after complete', async () => {
      const outcome = await drive(at(make(), 'done'), { action: 'reverse' });
      expect(outcome.error?.message).toMatch(/already completed/);
    });
  });
});

describe('Reshard preflight', () => {
  it('refuses a target shard that does not exist, before creating anything', async () => {
    const s = reshard();
    s.shards.chat_message = ['-80', '-40', '80-'];
    const outcome = await drive(s);
    expect(outcome.error?.message).toMatch(
      /^preflight: shards and primaries on vtctld 127\.0\.0\.1:15999: shard chat_message\/40-80 does not exist/,
    );
    expect(writes(outcome.calls)).toEqual([]);
  });

  it('refuses a target shard without a primary', async () => {
    const s = reshard();
    s.noPrimary = ['chat_message/40-80'];
    const outcome = await drive(s);
    expect(outcome.error?.message).toMatch(/chat_message\/40-80 has no primary tablet/);
    expect(writes(outcome.calls)).toEqual([]);
  });

  it('refuses a keyspace that does not exist', async () => {
    const s = fakeState({ kind: 'Reshard', keyspace: 'chat_message' });
    const spec = specFor(s);
    const run = new Run({ runbook: 'test', env: 'test', dryRun: false, reporter: createReporter('json') });
    const vtctld = new Vtctld({ server: '127.0.0.1:15999', exec: async (_f, args) => answer(s, args) });
    await expect(
      runWorkflow(run, vtctld, { ...spec, keyspace: 'nope' }, { action: 'forward', pollMs: 1, waitMs: 1000 }),
    ).rejects.toThrow(
      /preflight: vtctld and keyspaces .*keyspace check failed: node doesn't exist: keyspaces\/nope\/Keyspace/,
    );
  });

  it('refuses to resume a workflow of the same name that splits into other shards', async () => {
    const s = at(reshard(), 'copying');
    s.targets = ['-20', '20-80'];
    const spec = { ...specFor(s), targets: parseShardList('-40,40-80', 'targets') };
    const run = new Run({ runbook: 'test', env: 'test', dryRun: false, reporter: createReporter('json') });
    const vtctld = new Vtctld({ server: '127.0.0.1:15999', exec: async (_f, args) => answer(s, args) });
    await expect(
      runWorkflow(run, vtctld, spec, { action: 'forward', pollMs: 1, waitMs: 1000 }),
    ).rejects.toThrow(/exists with target shards -20,20-80, not -40,40-80/);
  });

  it('deletes nothing when complete already removed the source shards', async () => {
    const s = at(reshard(), 'writes switched');
    s.completeDeletesSources = true;
    const outcome = await drive(s);
    expect(outcome.error).toBeUndefined();
    expect(outcome.calls.some((c) => c[0] === 'DeleteShards')).toBe(false);
    expect(stepsWith(outcome, 'changed')).toEqual(['complete']);
  });
});

describe('dry run without a reachable vtctld', () => {
  it('prints the full plan from the start with the exact commands', async () => {
    const s = reshard();
    s.answersLeft = 0;
    const plan = await drive(s, { dryRun: true });
    expect(plan.error).toBeUndefined();
    const detail = (name: string) => plan.report.steps.find((x) => x.name === name)?.detail;
    expect(stepsWith(plan, 'planned')).toEqual([
      'preflight: vtctld and keyspaces',
      'vschema chat_message',
      ...forwardStages,
      'delete source shards',
    ]);
    const base =
      'vtctldclient --server 127.0.0.1:15999 Reshard --target-keyspace chat_message --workflow reshard_min_80';
    expect(detail('create workflow')).toBe(`${base} create --source-shards=-80 --target-shards=-40,40-80`);
    expect(detail('switch reads (rdonly, replica)')).toContain(
      `${base} switchtraffic --tablet-types=rdonly,replica`,
    );
    expect(detail('switch writes (primary)')).toContain(`${base} switchtraffic --tablet-types=primary`);
    expect(detail('complete')).toContain(`${base} complete`);
    expect(detail('delete source shards')).toBe(
      'vtctldclient --server 127.0.0.1:15999 DeleteShards --recursive chat_message/-80',
    );
  });
});
