import { resolve } from 'node:path';
import type { ParsedFlags } from '../procedure/args.ts';
import { UsageError } from '../procedure/errors.ts';
import type { commonFlags, RunbookDefinition } from '../procedure/main.ts';
import { checkReshard, type KeyRange, parseShardList } from './keyrange.ts';
import { loadLayout, vtctldServer } from './layout.ts';
import { runWorkflow, type StageId, untilStages, type WorkflowRunOptions } from './procedure.ts';
import { Vtctld } from './vtctldclient.ts';
import type { ShardedTable, WorkflowSpec } from './workflow.ts';

const workflowFlags = {
  reverse: {
    type: 'boolean',
    description: 'switch traffic back to the source (after reads or writes were switched)',
    default: false,
  },
  cancel: {
    type: 'boolean',
    description: 'drop the workflow before any traffic was switched',
    default: false,
  },
  workflow: {
    type: 'string',
    description: 'workflow name ([a-z0-9_]); the default is derived from the shards or keyspaces',
  },
  server: {
    type: 'string',
    description: 'vtctld gRPC host:port (default: the inventory, else vitess/layout.yaml)',
  },
  'poll-seconds': { type: 'number', description: 'how often to poll status and VDiff', default: 5 },
  'wait-minutes': { type: 'number', description: 'longest wait for the copy and for VDiff', default: 720 },
} as const;

/** `--until`, whose help lists the stages this kind of workflow goes through. */
const untilFlag = (kind: WorkflowSpec['kind']) =>
  ({
    type: 'string',
    description: `stop after this stage (${untilStages(kind).join(', ')}); a re-run without it continues`,
  }) as const;

export const moveTablesFlags = {
  ...workflowFlags,
  until: untilFlag('MoveTables'),
  'source-keyspace': { type: 'string', description: 'keyspace the table leaves', default: 'app' },
  'target-keyspace': { type: 'string', description: 'keyspace the table moves to', default: 'chat_message' },
} as const;

export const reshardFlags = {
  ...workflowFlags,
  until: untilFlag('Reshard'),
  keyspace: { type: 'string', description: 'keyspace to reshard', default: 'chat_message' },
} as const;

type Flags<F> = ParsedFlags<F & typeof commonFlags>;

const keyspacePattern = /^[a-z][a-z0-9_]{0,62}$/;
const workflowPattern = /^[a-z0-9_]{1,64}$/;

function checkName(value: string, what: string, pattern: RegExp): string {
  if (!pattern.test(value))
    throw new UsageError(
      `${what} '${value}' is not valid (${pattern === workflowPattern ? 'a-z, 0-9 and _' : 'lower-case letters, digits and _'})`,
    );
  return value;
}

type WorkflowFlags = Flags<typeof workflowFlags> & { until?: string | undefined };

/** The stage `--until` names, refused with the list of stages when this kind of workflow has no such stage. */
function untilStage(flags: WorkflowFlags, kind: WorkflowSpec['kind']): StageId | undefined {
  if (flags.until === undefined) return undefined;
  const stages = untilStages(kind);
  const stage = stages.find((s) => s === flags.until);
  if (!stage)
    throw new UsageError(
      `--until '${flags.until}' is not a stage of ${kind === 'Reshard' ? 'reshard' : 'movetables'} (stages: ${stages.join(', ')})`,
    );
  return stage;
}

function checkCommon(flags: WorkflowFlags, kind: WorkflowSpec['kind']): void {
  if (flags.reverse && flags.cancel) throw new UsageError('--reverse and --cancel exclude each other');
  untilStage(flags, kind);
  if (flags.until !== undefined && (flags.reverse || flags.cancel))
    throw new UsageError(`--until is for a forward run, not with --${flags.reverse ? 'reverse' : 'cancel'}`);
  if (flags.workflow !== undefined) checkName(flags.workflow, 'workflow', workflowPattern);
  if (!(flags['poll-seconds'] > 0)) throw new UsageError('--poll-seconds must be above 0');
  if (!(flags['wait-minutes'] > 0)) throw new UsageError('--wait-minutes must be above 0');
  if (flags.server !== undefined && !/^[A-Za-z0-9.-]+:\d{1,5}$/.test(flags.server))
    throw new UsageError(`--server '${flags.server}' is not host:port`);
}

const shardedChatMessage = (): ShardedTable => ({
  table: 'chat_message',
  column: 'chat_id',
  vindex: 'reverse_bits',
  vschemaFile: resolve(loadLayout().dir, 'vschema', 'chat_message.json'),
});

function options(flags: WorkflowFlags, kind: WorkflowSpec['kind']): WorkflowRunOptions {
  const until = untilStage(flags, kind);
  return {
    ...(until ? { until } : {}),
    action: flags.reverse ? ('reverse' as const) : flags.cancel ? ('cancel' as const) : ('forward' as const),
    pollMs: flags['poll-seconds'] * 1000,
    waitMs: flags['wait-minutes'] * 60_000,
    ...(process.env.TOOLKIT_VITESS_BACKUP_DIR ? { backupDir: process.env.TOOLKIT_VITESS_BACKUP_DIR } : {}),
  };
}

function vtctldFor(flags: Flags<typeof workflowFlags>, server: string): Vtctld {
  return new Vtctld({ server: flags.server ?? server, binary: process.env.VTCTLDCLIENT || 'vtctldclient' });
}

/** `0` → min_max, `-80` → min_80, `-80,80-` → min_max: names the workflow by the key range it works on. */
export function reshardWorkflowName(sources: KeyRange[]): string {
  const first = sources[0];
  const last = sources[sources.length - 1];
  return `reshard_${first?.start || 'min'}_${last?.end || 'max'}`;
}

export const moveTablesRunbook: RunbookDefinition<typeof moveTablesFlags> = {
  name: 'movetables',
  summary:
    "Moves chat_message from the app keyspace into its own keyspace (the seed's app2chat_message step) with\n" +
    'vtctldclient MoveTables: preflight, VSchema, create, copy with progress, VDiff (must be clean), switch reads, switch\n' +
    'writes, complete. A re-run resumes from the state Vitess reports; --until stops after a stage (such as\n' +
    'switch-writes, while --reverse still works); --reverse and --cancel roll back.',
  flags: moveTablesFlags,
  changesTopology: true,
  validate(flags, positionals) {
    if (positionals.length > 0)
      throw new UsageError(`movetables takes no positional arguments (got ${positionals.join(' ')})`);
    checkCommon(flags, 'MoveTables');
    checkName(flags['source-keyspace'], 'source keyspace', keyspacePattern);
    checkName(flags['target-keyspace'], 'target keyspace', keyspacePattern);
    if (flags['source-keyspace'] === flags['target-keyspace'])
      throw new UsageError('source and target keyspace are the same');
  },
  async procedure(run, { inventory, flags }) {
    const layout = loadLayout();
    const spec: WorkflowSpec = {
      kind: 'MoveTables',
      keyspace: flags['target-keyspace'],
      sourceKeyspace: flags['source-keyspace'],
      workflow: flags.workflow ?? `${flags['source-keyspace']}2${flags['target-keyspace']}`,
      tables: ['chat_message'],
      sharded: shardedChatMessage(),
    };
    await runWorkflow(
      run,
      vtctldFor(flags, vtctldServer(inventory, layout)),
      spec,
      options(flags, 'MoveTables'),
    );
  },
};

export const reshardRunbook: RunbookDefinition<typeof reshardFlags> = {
  name: 'reshard',
  summary:
    'Reshards chat_message online with vtctldclient Reshard (the seed went 0 -> -80,80- -> -40,40-80): checks the shard\n' +
    'arithmetic, then preflight, create, copy with progress, VDiff (must be clean), switch reads, switch writes,\n' +
    'complete, delete the source shards. A re-run resumes from the state Vitess reports; --until stops after a\n' +
    'stage (such as switch-writes, while --reverse still works); --reverse and --cancel roll back.',
  positionalUsage: '<source-shards> <target-shards>',
  flags: reshardFlags,
  changesTopology: true,
  validate(flags, positionals) {
    if (positionals.length !== 2) {
      throw new UsageError(
        `reshard takes two arguments, the source shards then the target shards (such as: -80 -40,40-80); got ${positionals.length}`,
      );
    }
    checkCommon(flags, 'Reshard');
    checkName(flags.keyspace, 'keyspace', keyspacePattern);
    const [from = '', to = ''] = positionals;
    checkReshard(parseShardList(from, 'source shards'), parseShardList(to, 'target shards'));
  },
  async procedure(run, { inventory, flags, positionals }) {
    const layout = loadLayout();
    const sources = parseShardList(positionals[0] ?? '', 'source shards');
    const targets = parseShardList(positionals[1] ?? '', 'target shards');
    const spec: WorkflowSpec = {
      kind: 'Reshard',
      keyspace: flags.keyspace,
      workflow: flags.workflow ?? reshardWorkflowName(sources),
      sources,
      targets,
      sharded: shardedChatMessage(),
    };
    await runWorkflow(
      run,
      vtctldFor(flags, vtctldServer(inventory, layout)),
      spec,
      options(flags, 'Reshard'),
    );
  },
};
