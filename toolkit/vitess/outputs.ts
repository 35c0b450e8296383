/**
 * Parsers for vtctldclient's outputs, written against recorded real outputs (see fixtures/). They
 * accept the format differences between Vitess versions: int64 counters as strings or numbers,
 * enums as names or numbers, missing zero values, snake_case or camelCase keys, trailing spaces.
 */

type Json = Record<string, unknown>;

export class OutputError extends Error {
  override name = 'OutputError';
}

export function parseJson(text: string, what: string): unknown {
  const trimmed = text.trim();
  try {
    return JSON.parse(trimmed);
  } catch {
    throw new OutputError(
      `${what}: expected JSON, got '${trimmed.slice(0, 80)}${trimmed.length > 80 ? '…' : ''}'`,
    );
  }
}

function obj(value: unknown): Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {};
}

function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** protojson int64 arrives as a string, int32 as a number, a zero value may be missing. */
export function num(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
    return Number(value);
  return 0;
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value);
}

function pick(o: Json, ...keys: string[]): unknown {
  for (const k of keys) if (k in o) return o[k];
  return undefined;
}

// ---- workflow status (`<MoveTables|Reshard> ... status --format=json`) ----

export type CopyPhase = 'UNKNOWN' | 'NOT_STARTED' | 'IN_PROGRESS' | 'COMPLETE';
const copyPhases: CopyPhase[] = ['UNKNOWN', 'NOT_STARTED', 'IN_PROGRESS', 'COMPLETE'];

export interface TableCopy {
  table: string;
  rowsCopied: number;
  rowsTotal: number;
  rowsPercentage: number;
  phase: CopyPhase;
}

export interface StreamStatus {
  id: number;
  /** `<keyspace>/<shard>` of the target stream. */
  target: string;
  tablet: string;
  sourceShard: string;
  /** Running, Copying, Stopped, or `Error: <mysql error>`. */
  status: string;
  info: string;
}

export interface WorkflowStatus {
  tables: TableCopy[];
  streams: StreamStatus[];
  trafficState: string;
}

function copyPhase(value: unknown): CopyPhase {
  if (typeof value === 'number') return copyPhases[value] ?? 'UNKNOWN';
  const name = str(value).toUpperCase();
  return (copyPhases as string[]).includes(name) ? (name as CopyPhase) : 'UNKNOWN';
}

export function parseWorkflowStatus(text: string): WorkflowStatus {
  const root = obj(parseJson(text, 'workflow status'));
  const tables = Object.entries(obj(pick(root, 'table_copy_state', 'tableCopyState'))).map(([table, raw]) => {
    const t = obj(raw);
    return {
      table,
      rowsCopied: num(pick(t, 'rows_copied', 'rowsCopied')),
      rowsTotal: num(pick(t, 'rows_total', 'rowsTotal')),
      rowsPercentage: num(pick(t, 'rows_percentage', 'rowsPercentage')),
      phase: copyPhase(t.phase),
    };
  });
  const streams: StreamStatus[] = [];
  for (const [target, raw] of Object.entries(obj(pick(root, 'shard_streams', 'shardStreams')))) {
    for (const s of arr(obj(raw).streams)) {
      const stream = obj(s);
      const tablet = obj(stream.tablet);
      streams.push({
        id: num(stream.id),
        target,
        tablet: `${str(tablet.cell)}-${num(tablet.uid)}`,
        sourceShard: str(pick(stream, 'source_shard', 'sourceShard')),
        status: str(stream.status),
        info: str(stream.info),
      });
    }
  }
  return { tables, streams, trafficState: str(pick(root, 'traffic_state', 'trafficState')) };
}

export function isErrorStream(stream: StreamStatus): boolean {
  return /^error/i.test(stream.status);
}

/** The copy phase is over when no stream copies and every table reports COMPLETE (or an old server sends no phase). */
export function copyFinished(status: WorkflowStatus): boolean {
  const streamsDone = status.streams.length > 0 && status.streams.every((s) => /^running$/i.test(s.status));
  const tablesDone = status.tables.every(
    (t) => t.phase === 'COMPLETE' || (t.phase === 'UNKNOWN' && t.rowsCopied >= t.rowsTotal),
  );
  return streamsDone && tablesDone;
}

export function copyProgress(status: WorkflowStatus): { copied: number; total: number } {
  return status.tables.reduce(
    (sum, t) => ({
      copied: sum.copied + Math.min(t.rowsCopied, t.rowsTotal || t.rowsCopied),
      total: sum.total + t.rowsTotal,
    }),
    { copied: 0, total: 0 },
  );
}

// ---- traffic state ----

export type Switched = 'none' | 'partial' | 'all';

export interface TrafficState {
  reads: Switched;
  writes: Switched;
}

/**
 * Reads Vitess's traffic state sentence ("Reads Not Switched. Writes Not Switched", "All Reads
 * Switched. Writes Switched", "Reads partially switched, for shards: ...", ...). Anything else is
 * refused: acting on a state the toolkit does not understand could switch the wrong traffic.
 */
export function parseTrafficState(text: string): TrafficState {
  const reads = /All Reads Switched/i.test(text)
    ? 'all'
    : /Reads partially switched/i.test(text)
      ? 'partial'
      : /Reads Not Switched/i.test(text)
        ? 'none'
        : undefined;
  const writes = /Writes partially switched/i.test(text)
    ? 'partial'
    : /Writes Not Switched/i.test(text)
      ? 'none'
      : /Writes Switched/i.test(text)
        ? 'all'
        : undefined;
  if (!reads || !writes) throw new OutputError(`unrecognised traffic state '${text}'`);
  return { reads, writes };
}

// ---- VDiff (`VDiff --format=json ... show`) — a Go struct, PascalCase keys ----

export interface VDiffTableSummary {
  table: string;
  state: string;
  rowsCompared: number;
  matchingRows: number;
  mismatchedRows: number;
  extraRowsSource: number;
  extraRowsTarget: number;
}

export interface VDiffReport {
  uuid: string;
  /** pending, started, stopped, completed, error. */
  state: string;
  hasMismatch: boolean;
  rowsCompared: number;
  shards: string;
  progress?: { percentage: number; eta: string };
  tables: VDiffTableSummary[];
  errors: string[];
  /** Sample rows Vitess shows for a mismatch, as compact JSON per table/shard. */
  samples: string[];
}

/** Null when Vitess has no VDiff for the workflow ("No vdiffs found for ks.wf", or empty output). */
export function parseVDiffShow(text: string): VDiffReport | null {
  const trimmed = text.trim();
  if (trimmed === '' || /^No vdiffs? found/i.test(trimmed) || trimmed === '{}' || trimmed === '[]')
    return null;
  if (!trimmed.startsWith('{')) return parseVDiffText(trimmed);
  const root = obj(parseJson(trimmed, 'VDiff show'));
  const tables = Object.entries(obj(root.TableSummary)).map(([table, raw]) => {
    const t = obj(raw);
    return {
      table,
      state: str(t.State),
      rowsCompared: num(t.RowsCompared),
      matchingRows: num(t.MatchingRows),
      mismatchedRows: num(t.MismatchedRows),
      extraRowsSource: num(t.ExtraRowsSource),
      extraRowsTarget: num(t.ExtraRowsTarget),
    };
  });
  const samples: string[] = [];
  for (const [table, byShard] of Object.entries(obj(root.Reports))) {
    for (const [shard, raw] of Object.entries(obj(byShard))) {
      const report = obj(raw);
      for (const key of ['MismatchedRowsSample', 'ExtraRowsSourceSample', 'ExtraRowsTargetSample']) {
        if (key in report) samples.push(`${table}/${shard} ${key}: ${JSON.stringify(report[key])}`);
      }
    }
  }
  const progress = obj(root.Progress);
  return {
    uuid: str(root.UUID),
    state: str(root.State).toLowerCase(),
    hasMismatch: root.HasMismatch === true || root.HasMismatch === 'true',
    rowsCompared: num(root.RowsCompared),
    shards: str(root.Shards),
    ...('Percentage' in progress
      ? { progress: { percentage: num(progress.Percentage), eta: str(progress.ETA) } }
      : {}),
    tables,
    errors: Object.entries(obj(root.Errors)).map(([shard, message]) => `(shard ${shard}) ${str(message)}`),
    samples,
  };
}

/** The text form (`show` without --format=json), for a server or wrapper that ignores the flag. */
function parseVDiffText(text: string): VDiffReport {
  const field = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(text)?.[1]?.trim() ?? '';
  const state = field('State');
  if (!state) throw new OutputError(`VDiff show: no State in '${text.slice(0, 80)}'`);
  const progress = /^Progress:\s*([\d.]+)%, ETA: (.*)$/m.exec(text);
  return {
    uuid: /\(([0-9a-f-]{36})\)/.exec(text)?.[1] ?? '',
    state: state.toLowerCase(),
    hasMismatch: field('HasMismatch') === 'true',
    rowsCompared: num(field('RowsCompared')),
    shards: '',
    ...(progress ? { progress: { percentage: num(progress[1]), eta: progress[2]?.trim() ?? '' } } : {}),
    tables: [],
    errors: [...text.matchAll(/^\s*Error: (.*)$/gm)].map((m) => m[1]?.trim() ?? ''),
    samples: [],
  };
}

/** `VDiff ... create` prints "VDiff <uuid> scheduled on target shards, use show to view progress". */
export function parseVDiffCreate(text: string): string | undefined {
  const json = text.trim().startsWith('{') ? obj(parseJson(text, 'VDiff create')).UUID : undefined;
  if (typeof json === 'string' && json) return json;
  return /VDiff ([0-9a-f]{8}-[0-9a-f-]{27,}) scheduled/i.exec(text)?.[1];
}

export function describeMismatch(report: VDiffReport): string {
  const tables = report.tables
    .filter((t) => t.mismatchedRows + t.extraRowsSource + t.extraRowsTarget > 0)
    .map(
      (t) =>
        `${t.table}: ${t.mismatchedRows} mismatched, ${t.extraRowsSource} only on source, ${t.extraRowsTarget} only on target of ${t.rowsCompared}`,
    );
  const parts = [`VDiff ${report.uuid} found differences after comparing ${report.rowsCompared} rows`];
  if (tables.length > 0) parts.push(tables.join('; '));
  if (report.samples.length > 0) parts.push(`samples: ${report.samples.join(' ')}`);
  return parts.join(': ');
}

// ---- routing rules (`GetRoutingRules`) ----

export interface RoutingRule {
  from: string;
  to: string[];
}

export function parseRoutingRules(text: string): RoutingRule[] {
  const root = obj(parseJson(text, 'routing rules'));
  return arr(root.rules).map((raw) => {
    const r = obj(raw);
    return {
      from: str(pick(r, 'from_table', 'fromTable')),
      to: arr(pick(r, 'to_tables', 'toTables')).map(str),
    };
  });
}

/** Where reads or writes of `table` go for a tablet type ('' = primary), by the routing rules. */
export function routeOf(
  rules: RoutingRule[],
  table: string,
  tabletType: '' | 'replica' | 'rdonly',
): string | undefined {
  const from = tabletType ? `${table}@${tabletType}` : table;
  return rules.find((r) => r.from === from)?.to[0];
}

// ---- tablets (`GetTablets` text) ----

export interface Tablet {
  alias: string;
  cell: string;
  keyspace: string;
  shard: string;
  type: string;
}

/** One line per tablet: alias keyspace shard type host:port host:mysqlport [tags] primary-term-start|<null>. */
export function parseTablets(text: string): Tablet[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((line) => {
      const [alias = '', keyspace = '', shard = '', type = ''] = line.split(/\s+/);
      const cell = /^(.*)-\d+$/.exec(alias)?.[1];
      if (!cell || !keyspace || !shard || !type)
        throw new OutputError(`GetTablets: cannot read line '${line}'`);
      return { alias, cell, keyspace, shard, type: type.toLowerCase() };
    });
}

// ---- topology records (`GetTopologyPath`: protobuf text inside JSON) ----

export function topologyData(text: string): string {
  return str(obj(parseJson(text, 'topology path')).data);
}

/** The blocks `name:{...}` at the top level of a protobuf text string, brace-matched, strings skipped. */
export function protoBlocks(data: string, name: string): string[] {
  const blocks: string[] = [];
  let depth = 0;
  let inString = false;
  let start = -1;
  for (let i = 0; i < data.length; i++) {
    const c = data[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{') {
      if (depth === 0 && data.slice(0, i).trimEnd().endsWith(`${name}:`)) {
        const before = data.slice(0, i).trimEnd();
        const prev = before.slice(0, -name.length - 1);
        if (prev === '' || /[\s}]$/.test(prev)) start = i + 1;
      }
      depth++;
    } else if (c === '}') {
      depth--;
      if (depth === 0 && start !== -1) {
        blocks.push(data.slice(start, i));
        start = -1;
      }
    }
  }
  return blocks;
}

/** Shards that serve a tablet type, from a SrvKeyspace record. */
export function servedShards(
  srvKeyspaceData: string,
  servedType: 'PRIMARY' | 'REPLICA' | 'RDONLY',
): string[] {
  const types = ['UNKNOWN', 'PRIMARY', 'MASTER', 'REPLICA', 'RDONLY'];
  for (const partition of protoBlocks(srvKeyspaceData, 'partitions')) {
    const raw = /served_type:\s*(\w+)/.exec(partition)?.[1] ?? '';
    const type = /^\d+$/.test(raw) ? types[Number(raw)] : raw;
    const same = type === servedType || (servedType === 'PRIMARY' && type === 'MASTER');
    if (same)
      return [...partition.matchAll(/shard_references:\s*\{\s*name:\s*"([^"]*)"/g)].map((m) => m[1] ?? '');
  }
  return [];
}

export interface ShardRecord {
  primaryAlias?: string;
  isPrimaryServing: boolean;
}

export function parseShardRecord(data: string): ShardRecord {
  const alias = /primary_alias:\s*\{\s*cell:\s*"([^"]*)"\s+uid:\s*(\d+)/.exec(data);
  return {
    ...(alias ? { primaryAlias: `${alias[1]}-${alias[2]!.padStart(10, '0')}` } : {}),
    isPrimaryServing: /is_primary_serving:\s*true/.test(data),
  };
}

// ---- VSchema (`GetVSchema`, full or --compact) ----

export interface VSchemaView {
  sharded: boolean;
  tables: string[];
  /** The primary vindex of a table: its column and vindex type. */
  primaryVindex(table: string): { column: string; type: string } | undefined;
}

export function parseVSchema(text: string): VSchemaView {
  const trimmed = text.trim();
  const root = obj(
    parseJson(
      trimmed.startsWith('New VSchema object:')
        ? trimmed.slice(trimmed.indexOf('{'), trimmed.lastIndexOf('}') + 1)
        : trimmed,
      'VSchema',
    ),
  );
  const vindexes = obj(root.vindexes);
  const tables = obj(root.tables);
  return {
    sharded: root.sharded === true,
    tables: Object.keys(tables),
    primaryVindex(table) {
      const first = obj(arr(obj(tables[table]).column_vindexes)[0]);
      const name = str(first.name);
      if (!name) return undefined;
      const column = str(first.column) || str(arr(first.columns)[0]);
      return { column, type: str(obj(vindexes[name]).type) };
    },
  };
}
