import type { ExecResult } from '../vtctldclient.ts';
import { fixture, goFormat } from './fixtures.ts';

/**
 * A vtctldclient test double: a small model of one Vitess workflow that answers every command the
 * runbooks send with the recorded real output for that situation (fixtures/), adjusted only where
 * the situation differs from the recording (names, shard keys, the traffic state sentence, stream
 * status). Its state is plain JSON so the same double also runs as a program (fake-vtctldclient.ts).
 */
export interface FakeState {
  kind: 'MoveTables' | 'Reshard';
  keyspace: string;
  workflow: string;
  sourceKeyspace: string;
  sources: string[];
  targets: string[];
  /** Where the workflow is; the copy advances one recorded status per poll. */
  phase: 'absent' | 'stopped' | 'copying' | 'running' | 'error' | 'completed';
  reads: boolean;
  writes: boolean;
  copyPolls: number;
  /** How many status polls the copy takes: not started, in progress, then running. */
  copyLength: number;
  vdiff: 'clean' | 'mismatch';
  vdiffLength: number;
  vdiffs: Array<{ uuid: string; polls: number }>;
  /** MoveTables: the table is listed in the source keyspace's VSchema (complete removes it). */
  sourceListsTable: boolean;
  /** The target keyspace's VSchema routes chat_message by chat_id with reverse_bits. */
  targetRouted: boolean;
  /** Keyspace → shards that exist in the topology. */
  shards: Record<string, string[]>;
  /** Keyspace → shards whose primary serves (SrvKeyspace). */
  served: Record<string, string[]>;
  /** Keyspace/shard with no primary tablet. */
  noPrimary: string[];
  completeDeletesSources: boolean;
  /** How Vitess answers status for a workflow that does not exist: never recorded, so both plausible answers. */
  unknownWorkflow: 'error' | 'empty';
  /** vtctld stops answering after this many more calls (undefined: never). */
  answersLeft?: number;
  /**
   * How the call that meets the outage fares: refused before it takes effect (the default), or applied
   * and then its answer lost, as when vtctld goes away after doing it. The calls after it are refused.
   */
  outage?: 'refused' | 'applied';
  /** Every change that took effect, in order: what a lost answer must not make a re-run repeat. */
  applied: string[];
  /** Make the next switchtraffic fail the way Vitess does when the target cannot catch up. */
  switchFails?: boolean;
  calls: string[][];
}

export function fakeState(init: Partial<FakeState> & Pick<FakeState, 'kind'>): FakeState {
  const reshard = init.kind === 'Reshard';
  const keyspace = init.keyspace ?? 'chat_message';
  const sources = init.sources ?? (reshard ? ['-80'] : []);
  const targets = init.targets ?? (reshard ? ['-40', '40-80'] : []);
  const sourceKeyspace = init.sourceKeyspace ?? 'app';
  // The seed's second split leaves 80- alone: it keeps serving beside whichever half is being split.
  const untouched = sources.join(',') === '-80' ? ['80-'] : [];
  const base: FakeState = {
    kind: init.kind,
    keyspace,
    workflow: init.workflow ?? (reshard ? 'reshard_min_80' : 'app2chat_message'),
    sourceKeyspace,
    sources,
    targets,
    phase: 'absent',
    reads: false,
    writes: false,
    copyPolls: 0,
    copyLength: 3,
    vdiff: 'clean',
    vdiffLength: 2,
    vdiffs: [],
    sourceListsTable: true,
    targetRouted: reshard,
    shards: reshard
      ? { [keyspace]: [...sources, ...targets, ...untouched] }
      : { [sourceKeyspace]: ['0'], [keyspace]: ['0'] },
    served: reshard
      ? { [keyspace]: [...sources, ...untouched] }
      : { [sourceKeyspace]: ['0'], [keyspace]: ['0'] },
    noPrimary: [],
    completeDeletesSources: false,
    unknownWorkflow: 'error',
    applied: [],
    calls: [],
  };
  return { ...base, ...init };
}

/** Sets a model up as if the runbook had already brought the workflow to `point`. */
export function at(
  state: FakeState,
  point:
    | 'absent'
    | 'created'
    | 'copying'
    | 'running'
    | 'error'
    | 'reads switched'
    | 'writes switched'
    | 'completed'
    | 'done',
): FakeState {
  const s = structuredClone(state);
  s.targetRouted = true;
  if (point === 'absent') return s;
  s.phase =
    point === 'created'
      ? 'stopped'
      : point === 'copying'
        ? 'copying'
        : point === 'error'
          ? 'error'
          : 'running';
  if (point === 'copying') s.copyPolls = 1;
  s.reads = ['reads switched', 'writes switched', 'completed', 'done'].includes(point);
  s.writes = ['writes switched', 'completed', 'done'].includes(point);
  if (point === 'completed' || point === 'done') complete(s, point === 'done');
  return s;
}

const ok = (stdout: string): ExecResult => ({ exitCode: 0, stdout, stderr: '' });

/** vtctldclient's way of failing: a glog line with the gRPC error, exit status 1. */
function rpcError(code: string, desc: string): ExecResult {
  return {
    exitCode: 1,
    stdout: '',
    stderr: `E1011 16:49:02.123456   4242 main.go:56] rpc error: code = ${code} desc = ${desc.trim()}\n`,
  };
}

const unavailable = () =>
  rpcError(
    'Unavailable',
    'connection error: desc = "transport: Error while dialing: dial tcp 127.0.0.1:15999: connect: connection refused"',
  );

const traffic = (s: FakeState) =>
  `${s.reads ? 'All Reads Switched' : 'Reads Not Switched'}. ${s.writes ? 'Writes Switched' : 'Writes Not Switched'}`;

function complete(s: FakeState, deleteSources: boolean): void {
  s.phase = 'completed';
  s.reads = true;
  s.writes = true;
  if (s.kind === 'MoveTables') s.sourceListsTable = false;
  else {
    s.served[s.keyspace] = [
      ...(s.served[s.keyspace] ?? []).filter((x) => !s.sources.includes(x)),
      ...s.targets,
    ];
    if (deleteSources)
      s.shards[s.keyspace] = (s.shards[s.keyspace] ?? []).filter((x) => !s.sources.includes(x));
  }
}

/** The recorded status, with this workflow's target shards as keys and the situation's traffic state. */
function statusJson(s: FakeState, recorded: string, streamStatus?: string): string {
  const root = JSON.parse(recorded) as {
    shard_streams: Record<string, { streams: Array<Record<string, unknown>> }>;
    traffic_state: string;
  };
  const stream = Object.values(root.shard_streams)[0]?.streams[0] ?? {};
  const targets = s.kind === 'Reshard' ? s.targets : ['0'];
  root.shard_streams = Object.fromEntries(
    targets.map((t, i) => [
      `${s.keyspace}/${t}`,
      {
        streams: [
          {
            ...stream,
            id: i + 1,
            source_shard: `${s.kind === 'Reshard' ? s.keyspace : s.sourceKeyspace}/${s.sources[0] ?? '0'}`,
            ...(streamStatus ? { status: streamStatus, info: '' } : {}),
          },
        ],
      },
    ]),
  );
  root.traffic_state = traffic(s);
  return `${JSON.stringify(root, null, 2)}\n`;
}

function status(s: FakeState): ExecResult {
  if (s.phase === 'absent' || s.phase === 'completed') {
    return s.unknownWorkflow === 'error'
      ? rpcError(
          'Unknown',
          fixture('error-no-streams-found-for-workflow.txt')
            .replace('target', s.keyspace)
            .replace('no_workflow', s.workflow),
        )
      : ok('{\n  "table_copy_state": {},\n  "shard_streams": {},\n  "traffic_state": ""\n}\n');
  }
  if (s.phase === 'error')
    return ok(statusJson(s, fixture('movetables-status-copy-in-progress-error-stream.json')));
  if (s.phase === 'stopped') return ok(statusJson(s, fixture('movetables-status-running.json'), 'Stopped'));
  if (s.phase === 'copying') {
    s.copyPolls++;
    const sequence = ['movetables-status-copying-not-started.json', 'movetables-status-copying.json'];
    if (s.copyPolls >= s.copyLength) s.phase = 'running';
    else
      return ok(
        statusJson(s, fixture(sequence[Math.min(s.copyPolls - 1, sequence.length - 1)] ?? sequence[0]!)),
      );
  }
  return ok(statusJson(s, fixture('movetables-status-running.json')));
}

const named = (s: FakeState, text: string) =>
  text
    .replaceAll('commerce2customer', s.workflow)
    .replaceAll('customer', s.keyspace)
    .replaceAll('commerce', s.sourceKeyspace);

function vdiffShow(s: FakeState, id: string): ExecResult {
  const entry = id === 'last' ? s.vdiffs[s.vdiffs.length - 1] : s.vdiffs.find((v) => v.uuid === id);
  if (!entry) return ok(goFormat(fixture('vdiff-show-all-none.template.txt'), s.keyspace, s.workflow));
  entry.polls++;
  if (entry.polls < s.vdiffLength) {
    return ok(
      fixture('vdiff-show-started-progress.json').replace('daf1f03a-03ed-11ed-9ab8-920702940ee0', entry.uuid),
    );
  }
  if (s.vdiff === 'mismatch') {
    return ok(
      goFormat(
        fixture('vdiff-show-mismatch.template.json'),
        s.keyspace,
        entry.uuid,
        3,
        true,
        '2024-01-01 00:00:00',
        '2024-01-01 00:00:01',
        ...[3, 2, 1, 0, 0, 3, 2, 1, 0, 0],
        fixture('vdiff-show-mismatch.fragment-mismatched-rows-sample.txt'),
      ),
    );
  }
  return ok(
    fixture('reshard-vdiff-show-last.json').replace('60fa5738-9bad-11ed-b6de-920702940ee0', entry.uuid),
  );
}

function routingRules(s: FakeState): string {
  if (s.kind === 'Reshard' || s.phase === 'absent' || s.phase === 'completed')
    return fixture('getroutingrules-after-complete-empty.json');
  const before = JSON.parse(named(s, fixture('getroutingrules-after-movetables-create.json'))) as {
    rules: Array<{ fromTable: string }>;
  };
  const after = JSON.parse(named(s, fixture('getroutingrules-after-switchtraffic.json'))) as {
    rules: Array<{ from_table: string }>;
  };
  if (s.writes)
    return `${JSON.stringify({ rules: after.rules.filter((r) => !r.from_table.includes('corder')) }, null, 2)}\n`;
  if (!s.reads)
    return `${JSON.stringify({ rules: before.rules.filter((r) => !r.fromTable.includes('corder')) }, null, 2)}\n`;
  // Reads switched, writes not: the replica/rdonly rules of the switched recording, the primary rules of the other.
  const reads = after.rules.filter(
    (r) => /@(replica|rdonly)$/.test(r.from_table) && !r.from_table.includes('corder'),
  );
  const writes = before.rules.filter(
    (r) => !/@(replica|rdonly)$/.test(r.fromTable) && !r.fromTable.includes('corder'),
  );
  return `${JSON.stringify({ rules: [...reads, ...writes.map((r) => ({ from_table: r.fromTable, to_tables: (r as unknown as { toTables: string[] }).toTables }))] }, null, 2)}\n`;
}

function tablets(s: FakeState, keyspace: string): string {
  const recorded = fixture('gettablets-keyspace-customer-sharded.txt').split('\n').filter(Boolean);
  const [primary = '', replica = '', rdonly = ''] = recorded;
  const lines: string[] = [];
  (s.shards[keyspace] ?? []).forEach((shard, i) => {
    const uid = 300 + i * 100;
    const rows = s.noPrimary.includes(`${keyspace}/${shard}`)
      ? [replica, rdonly]
      : [primary, replica, rdonly];
    for (const row of rows) {
      const offset = row === primary ? 0 : row === replica ? 1 : 2;
      lines.push(
        row
          .replace(/0000000\d{3}/, String(uid + offset).padStart(10, '0'))
          .replace(' customer -80 ', ` ${keyspace} ${shard} `)
          .replaceAll(/:1([57])\d{3}/g, (_, p: string) => `:1${p}${String(uid + offset).padStart(3, '0')}`),
      );
    }
  });
  return lines.length ? `${lines.join('\n')}\n` : '';
}

function topologyPath(s: FakeState, path: string): ExecResult {
  const shard = /^\/global\/keyspaces\/([^/]+)\/shards\/([^/]+)\/Shard$/.exec(path);
  if (shard) {
    const [, keyspace = '', name = ''] = shard;
    if (!(s.shards[keyspace] ?? []).includes(name))
      return rpcError('NotFound', `node doesn't exist: /global/keyspaces/${keyspace}/shards/${name}/Shard`);
    return ok(
      fixture('gettopologypath-shard-record.json').replace(
        '/global//keyspaces/commerce/shards/0/Shard',
        path,
      ),
    );
  }
  const srv = /^\/([^/]+)\/keyspaces\/([^/]+)\/SrvKeyspace$/.exec(path);
  if (srv) {
    const [, , keyspace = ''] = srv;
    const refs = (s.served[keyspace] ?? []).map((x) => `shard_references:{name:\\"${x}\\"}`).join(' ');
    return ok(
      fixture('gettopologypath-srvkeyspace.json')
        .replace('/zone1/keyspaces/commerce/SrvKeyspace', path)
        .replace(
          'partitions:{served_type:PRIMARY shard_references:{name:\\"0\\"}}',
          `partitions:{served_type:PRIMARY ${refs}}`,
        ),
    );
  }
  return rpcError('NotFound', `node doesn't exist: ${path}`);
}

function vschema(s: FakeState, keyspace: string): ExecResult {
  if (keyspace === s.sourceKeyspace && s.kind === 'MoveTables') {
    const recorded = JSON.parse(
      fixture('getvschema-unsharded-main.json').replace('"customer"', '"chat_message"'),
    ) as { tables: Record<string, unknown> };
    if (!s.sourceListsTable) recorded.tables = {};
    return ok(`${JSON.stringify(recorded, null, 2)}\n`);
  }
  if (keyspace === s.keyspace) {
    if (!s.targetRouted)
      return s.unknownWorkflow === 'error'
        ? rpcError('NotFound', `node doesn't exist: /global/keyspaces/${keyspace}/VSchema`)
        : ok('{}\n');
    return ok(
      fixture('applyvschema-input-reverse-bits-sharded.json')
        .replace('"customer"', '"chat_message"')
        .replace('"id"', '"chat_id"'),
    );
  }
  return rpcError('NotFound', `node doesn't exist: /global/keyspaces/${keyspace}/VSchema`);
}

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i !== -1) return args[i + 1];
  return args.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
}

/** One vtctldclient invocation: `--server host:port <command> ...`. */
export function answer(s: FakeState, argv: string[]): ExecResult {
  const args = argv[0] === '--server' ? argv.slice(2) : argv;
  s.calls.push(args);
  if (s.answersLeft !== undefined) {
    if (s.answersLeft <= 0) {
      if (s.outage === 'applied') {
        s.outage = 'refused';
        respond(s, args);
      }
      return unavailable();
    }
    s.answersLeft--;
  }
  return respond(s, args);
}

/** Answers one command, and logs it in `applied` when it changed something. */
function respond(s: FakeState, args: string[]): ExecResult {
  const change = changeOf(s, args);
  const result = dispatch(s, args);
  if (change && result.exitCode === 0) s.applied.push(change);
  return result;
}

const workflowChanges = /^(create|start|switchtraffic|reversetraffic|complete|cancel)$/;

/** The change a command is about to make, named for the `applied` log; undefined for a read. */
function changeOf(s: FakeState, args: string[]): string | undefined {
  const [command = ''] = args;
  if (command === 'ApplyVSchema' || command === 'DeleteShards') return `${command} ${args[args.length - 1]}`;
  if (command === 'VDiff') {
    if (!args.includes('create')) return undefined;
    const last = s.vdiffs[s.vdiffs.length - 1];
    return last && last.polls < s.vdiffLength ? 'VDiff create while another runs' : 'VDiff create';
  }
  if (command !== 'MoveTables' && command !== 'Reshard') return undefined;
  const action = args[5] ?? '';
  if (!workflowChanges.test(action)) return undefined;
  const types = flag(args, '--tablet-types');
  return types ? `${action} ${types}` : action;
}

function dispatch(s: FakeState, args: string[]): ExecResult {
  const [command = ''] = args;
  const keyspaces = new Set([s.keyspace, s.sourceKeyspace]);
  switch (command) {
    case 'GetKeyspace': {
      const ks = args[1] ?? '';
      if (!keyspaces.has(ks)) return rpcError('NotFound', `node doesn't exist: keyspaces/${ks}/Keyspace`);
      return ok(fixture('getkeyspace-commerce-with-throttler-v20-doc.json').replace('"commerce"', `"${ks}"`));
    }
    case 'GetVSchema':
      return vschema(s, args[1] ?? '');
    case 'ApplyVSchema':
      s.targetRouted = true;
      return ok(
        fixture('applyvschema-commerce-initial-101-script-excerpt.txt').replace(
          /\{[\s\S]*\}/,
          fixture('getvschema-sharded-customer-hash.json').trim(),
        ),
      );
    case 'GetTablets':
      return ok(tablets(s, flag(args, '--keyspace') ?? ''));
    case 'GetTopologyPath':
      return topologyPath(s, args[1] ?? '');
    case 'GetRoutingRules':
      return ok(routingRules(s));
    case 'DeleteShards': {
      const [ks = '', shard = ''] = (args[args.length - 1] ?? '').split('/');
      s.shards[ks] = (s.shards[ks] ?? []).filter((x) => x !== shard);
      return ok('');
    }
    case 'VDiff':
      return vdiff(s, args);
    case 'MoveTables':
    case 'Reshard':
      return workflowCommand(s, args);
    default:
      return rpcError('Unknown', `fake vtctldclient: unknown command ${command}`);
  }
}

function vdiff(s: FakeState, args: string[]): ExecResult {
  const action = args.find((a) => ['create', 'show'].includes(a));
  if (action === 'create') {
    const uuid =
      s.vdiffs.length === 0
        ? '60fa5738-9bad-11ed-b6de-920702940ee0'
        : `60fa5738-9bad-11ed-b6de-92070294${String(s.vdiffs.length).padStart(4, '0')}`;
    s.vdiffs.push({ uuid, polls: 0 });
    return ok(fixture('reshard-vdiff-create.txt').replace('60fa5738-9bad-11ed-b6de-920702940ee0', uuid));
  }
  return vdiffShow(s, args[args.length - 1] ?? 'last');
}

function workflowCommand(s: FakeState, args: string[]): ExecResult {
  const workflow = flag(args, '--workflow');
  const action = args[5] ?? '';
  if (workflow !== s.workflow && action !== 'create')
    return rpcError(
      'Unknown',
      fixture('error-no-streams-found-for-workflow.txt')
        .replace('target', s.keyspace)
        .replace('no_workflow', workflow ?? ''),
    );
  const exists = s.phase !== 'absent' && s.phase !== 'completed';
  const switched = `${s.kind === 'MoveTables' ? 'SwitchTraffic' : 'SwitchTraffic'} was successful for workflow ${s.keyspace}.${s.workflow}`;
  switch (action) {
    case 'status':
      return status(s);
    case 'create': {
      if (exists)
        return rpcError('AlreadyExists', `workflow ${workflow} already exists in keyspace ${s.keyspace}`);
      const missing = s.targets.find((t) => s.noPrimary.includes(`${s.keyspace}/${t}`));
      if (missing)
        return rpcError(
          'Unknown',
          fixture('error-reshard-target-shard-no-primary.txt').replace('-80', missing),
        );
      s.workflow = workflow ?? s.workflow;
      s.phase = 'copying';
      s.copyPolls = 0;
      return ok(named(s, fixture('movetables-create-text.txt')));
    }
    case 'start':
      if (s.phase === 'stopped') s.phase = 'copying';
      return ok('');
    case 'switchtraffic': {
      if (!exists) return rpcError('Unknown', fixture('error-no-streams-found-for-workflow.txt'));
      if (s.switchFails) {
        s.switchFails = false;
        return rpcError('Unknown', fixture('error-switchtraffic-timeout-catchup.substring.txt'));
      }
      const start = traffic(s);
      const types = flag(args, '--tablet-types') ?? 'rdonly,replica,primary';
      if (/rdonly|replica/.test(types)) s.reads = true;
      if (/primary/.test(types)) s.writes = true;
      const text = fixture('switchtraffic-success.txt')
        .replace('SwitchTraffic was successful for workflow customer.commerce2customer', switched)
        .replace('Reads Not Switched. Writes Not Switched', start)
        .replace('All Reads Switched. Writes Switched', traffic(s));
      return ok(text);
    }
    case 'reversetraffic': {
      const [summary = '', from = ''] = fixture('reversetraffic-response-fields.unit-test.txt').split('\n');
      const start = traffic(s);
      s.reads = false;
      s.writes = false;
      return ok(
        `${goFormat(summary, s.keyspace, s.workflow)}\n\nStart State: ${start || from}\nCurrent State: ${traffic(s)}\n`,
      );
    }
    case 'complete':
      if (!exists) return rpcError('Unknown', fixture('error-no-streams-found-for-workflow.txt'));
      if (!s.reads || !s.writes)
        return rpcError('FailedPrecondition', fixture('error-complete-before-traffic-switched.message.txt'));
      complete(s, s.completeDeletesSources);
      return ok(named(s, fixture('movetables-complete.txt')));
    case 'cancel':
      if (s.reads || s.writes)
        return rpcError('FailedPrecondition', fixture('error-cancel-after-traffic-switched.message.txt'));
      s.phase = 'absent';
      return ok(named(s, fixture('movetables-cancel.txt')));
    default:
      return rpcError('Unknown', `fake vtctldclient: unknown action ${action}`);
  }
}
