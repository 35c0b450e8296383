import { setTimeout as delay } from 'node:timers/promises';
import ZongJi, {
  type AnyBinlogEvent,
  type DeleteRowsEvent,
  type QueryEvent,
  type RowData,
  type UpdateRowsEvent,
  type WriteRowsEvent,
} from '@vlasky/zongji';
import type { RowDataPacket } from 'mysql2/promise';
import { type MysqlEndpoint, openConnection } from '../../../lib/mysql.ts';
import { TarantoolClient } from '../../../lib/tarantool/iproto.ts';
import type { MsgValue } from '../../../lib/tarantool/msgpack.ts';
import type { Mapping, ReplicatorConfig } from './config.ts';
import {
  type BinlogPosition,
  describePosition,
  positionArgs,
  positionFromTuple,
  type StoredPosition,
} from './position.ts';
import { type ColumnKind, columnKind, keyOf, sameKey, toField } from './row-values.ts';
import { Snapshot } from './snapshot.ts';
import { describeSource, type SourceIdentity, SourceWatch, sameServer } from './source.ts';

export interface ReplicatorSecrets {
  mysqlPassword?: string;
  tarantoolPassword?: string;
}

export type ReplicatorState = 'connecting' | 'loading' | 'streaming' | 'reconnecting' | 'stopped';

export interface ReplicatorStatus {
  state: ReplicatorState;
  position?: BinlogPosition;
  /** Seconds between now and the oldest event received but not yet applied; 0 when caught up. */
  lagSeconds: number;
  appliedRows: number;
  /** Transactions applied from the binlog since start (the initial load counts none). */
  appliedTransactions: number;
  /** Whole transactions received and not yet applied. */
  queuedTransactions: number;
  /** Sessions that ended in an error and were started again. */
  reconnects: number;
  /** The address read and the server behind it in the current or last session. */
  source?: { address: string; serverId: number };
  lastError?: string;
}

type Op = MsgValue[];

/** A unit of work queued from the binlog: row changes, or a point where a transaction ended. */
type Item =
  | { kind: 'ops'; ops: Op[]; time: number }
  | { kind: 'commit'; position: BinlogPosition; time: number };

/** A batch as the fault hooks see it: its number since the stream started, and the position it stores. */
export interface BatchInfo {
  number: number;
  ops: number;
  transactions: number;
  position: BinlogPosition;
}

/** Test-only fault points (see fault.ts): called with every streamed batch. */
export interface ReplicatorHooks {
  /** The batch is taken from the queue and not yet sent to Tarantool. */
  beforeApply?(batch: BatchInfo): void;
  /** Tarantool committed the batch and its position; the replicator has not recorded it yet. */
  afterApply?(batch: BatchInfo): void;
}

/** Queue items from the head up to the last whole transaction that fits, with their rows and position. */
interface Batch {
  taken: number;
  ops: Op[];
  committed?: BinlogPosition;
  transactions: number;
}

interface TableTarget {
  mapping: Mapping;
  kinds: ColumnKind[];
}

const batchRows = 2000;
/** How often a streaming session asks its source whether it is still the writer it started with. */
const watchIntervalMs = 1000;
/** The source cannot serve the stored position (not in its binlog: purged, or lost in a failover). */
const binlogUnreadable = 1236;

/**
 * Replicates mapped MySQL tables into Tarantool spaces: an initial load from a consistent snapshot,
 * then the binlog from exactly the snapshot's position. A batch is whole MySQL transactions, stored
 * with the position after its last one in a single Tarantool transaction, so a restart resumes exactly
 * where the applied rows end: nothing is applied twice, nothing skipped.
 */
export class Replicator {
  private state: ReplicatorState = 'connecting';
  private position: BinlogPosition | undefined;
  private appliedRows = 0;
  private appliedTransactions = 0;
  private reconnects = 0;
  private lastError: string | undefined;
  private queue: Item[] = [];
  private readonly targets = new Map<string, TableTarget>();
  private readonly streamKey: number;
  private batches = 0;
  /** The writer the last session streamed from: a new one is logged as a source change. */
  private source: SourceIdentity | undefined;
  /** Set when the source could not serve the stored position: the next session reloads from a snapshot. */
  private reloadReason: string | undefined;

  constructor(
    private readonly config: ReplicatorConfig,
    private readonly secrets: ReplicatorSecrets,
    private readonly log: (line: string) => void,
    private readonly hooks: ReplicatorHooks = {},
  ) {
    this.streamKey = config.tarantool.binlog_pos_key;
  }

  status(): ReplicatorStatus {
    const oldest = this.queue[0]?.time;
    return {
      state: this.state,
      position: this.position,
      lagSeconds: oldest === undefined ? 0 : Math.max(0, Date.now() / 1000 - oldest),
      appliedRows: this.appliedRows,
      appliedTransactions: this.appliedTransactions,
      queuedTransactions: this.queue.filter((item) => item.kind === 'commit').length,
      reconnects: this.reconnects,
      source: this.source && {
        address: `${this.config.mysql.host}:${this.config.mysql.port}`,
        serverId: this.source.serverId,
      },
      lastError: this.lastError,
    };
  }

  /** Runs until the signal aborts: every failure of either side ends the session and starts a new one. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.session(signal);
      } catch (error) {
        if (signal.aborted) break;
        this.lastError = (error as Error).message;
        this.state = 'reconnecting';
        this.reconnects++;
        const retry = Math.min(
          this.config.mysql.connect_retry ?? 2,
          this.config.tarantool.connect_retry ?? 2,
        );
        this.log(`session ended: ${this.lastError}; reconnecting in ${retry} s`);
        await delay(retry * 1000, undefined, { signal }).catch(() => {});
      }
    }
    this.state = 'stopped';
  }

  private async session(signal: AbortSignal): Promise<void> {
    this.state = 'connecting';
    this.queue = [];
    const { mysql: my, tarantool: tt } = this.config;
    const endpoint = { host: my.host, port: my.port, user: my.user, password: this.secrets.mysqlPassword };
    const watch = await SourceWatch.open(endpoint);
    try {
      const source = await this.writerBehind(watch);
      const tarantool = await TarantoolClient.connect({
        host: tt.host,
        port: tt.port,
        user: tt.user,
        password: this.secrets.tarantoolPassword,
      });
      try {
        await this.loadColumnKinds(endpoint);
        const [stored] = await tarantool.call('replicator_position', [this.streamKey]);
        let start: StoredPosition | BinlogPosition | undefined = positionFromTuple(stored);
        if (start && this.reloadReason) {
          this.log(`reloading from a snapshot: ${this.reloadReason}`);
          start = undefined;
        }
        if (start) this.log(`resuming after ${describePosition(start)}`);
        else start = await this.initialLoad(tarantool, endpoint);
        this.reloadReason = undefined;
        this.position = start;
        await this.stream(tarantool, endpoint, start, signal, { watch, source });
      } finally {
        tarantool.close();
      }
    } finally {
      watch.close();
    }
  }

  /**
   * Who serves the binlog at this address now: refused while it is read-only (a slave, or a fenced
   * former master that gets no writes), logged when it is another server than the last session's
   * (after a failover, the GTID position resumes on the new master: its binlog holds the old
   * master's transactions under their original GTIDs).
   */
  private async writerBehind(watch: SourceWatch): Promise<SourceIdentity> {
    const source = await watch.identify();
    if (source.readOnly)
      throw new Error(
        `${watch.address} (${describeSource(source)}) is read-only: a slave or a fenced former master, not the writer`,
      );
    if (this.source && !sameServer(this.source, source))
      this.log(
        `source changed at ${watch.address}: ${describeSource(this.source)} → ${describeSource(source)}`,
      );
    this.source = source;
    return source;
  }

  private async loadColumnKinds(endpoint: MysqlEndpoint): Promise<void> {
    const conn = await openConnection(endpoint, 10_000);
    try {
      for (const mapping of this.config.mappings) {
        const [rows] = await conn.query<RowDataPacket[]>(
          'SELECT COLUMN_NAME AS name, DATA_TYPE AS type FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
          [mapping.database, mapping.table],
        );
        const types = new Map(rows.map((r) => [String(r.name), String(r.type)]));
        const missing = mapping.columns.filter((c) => !types.has(c));
        if (types.size === 0)
          throw new Error(`${mapping.database}.${mapping.table} does not exist or is not readable`);
        if (missing.length > 0)
          throw new Error(`${mapping.database}.${mapping.table} has no column ${missing.join(', ')}`);
        this.targets.set(`${mapping.database}.${mapping.table}`, {
          mapping,
          kinds: mapping.columns.map((c) => columnKind(types.get(c)!)),
        });
      }
    } finally {
      await conn.end().catch(() => {});
    }
  }

  /** Empties the spaces, copies every mapped table from one snapshot, and only then stores its position. */
  private async initialLoad(tarantool: TarantoolClient, endpoint: MysqlEndpoint): Promise<BinlogPosition> {
    this.state = 'loading';
    const spaces = this.config.mappings.map((m) => m.space);
    await tarantool.call('replicator_reset', [this.streamKey, spaces]);
    const snapshot = await Snapshot.open(endpoint);
    try {
      this.log(`initial load from a snapshot at ${describePosition(snapshot.position)}`);
      for (const target of this.targets.values()) {
        const { mapping, kinds } = target;
        const started = Date.now();
        const rows = await snapshot.readTable(
          mapping.database,
          mapping.table,
          mapping.columns,
          batchRows,
          async (batch) => {
            const ops = batch.map((row) => [mapping.space, 'r', row.map((v, i) => toField(v, kinds[i]!))]);
            await tarantool.call('replicator_apply', [ops, null]);
            this.appliedRows += ops.length;
          },
        );
        const seconds = (Date.now() - started) / 1000;
        this.log(
          `loaded ${rows} rows of ${mapping.database}.${mapping.table} into space ${mapping.space} in ${seconds.toFixed(1)} s`,
        );
      }
      await tarantool.call('replicator_apply', [[], positionArgs(this.streamKey, snapshot.position)]);
      return snapshot.position;
    } finally {
      await snapshot.close();
    }
  }

  private stream(
    tarantool: TarantoolClient,
    endpoint: MysqlEndpoint,
    start: BinlogPosition,
    signal: AbortSignal,
    writer: { watch: SourceWatch; source: SourceIdentity },
  ): Promise<void> {
    const zongji = new ZongJi({ ...endpoint, dateStrings: true });
    const includeSchema: Record<string, string[]> = {};
    for (const m of this.config.mappings)
      includeSchema[m.database] = [...(includeSchema[m.database] ?? []), m.table];
    const resumeByGtid = start.gtid !== '';
    return new Promise<void>((resolve, reject) => {
      let finished = false;
      let draining = false;
      let watching = false;
      // A writer that is fenced (read_only) keeps the binlog connection open and sends nothing more.
      const watchTimer = setInterval(() => {
        if (watching || finished) return;
        watching = true;
        writer.watch
          .changedFrom(writer.source)
          .catch((error: Error) => `source watch failed: ${error.message}`)
          .then((why) => {
            watching = false;
            if (why) finish(new Error(why));
          });
      }, watchIntervalMs);
      const finish = (error?: Error) => {
        if (finished) return;
        finished = true;
        clearInterval(watchTimer);
        signal.removeEventListener('abort', onAbort);
        try {
          zongji.stop();
        } catch {
          // A connection that already broke has nothing to stop.
        }
        if (error) reject(error);
        else resolve();
      };
      const onAbort = () => finish();
      signal.addEventListener('abort', onAbort);

      const drain = async () => {
        if (draining) return;
        draining = true;
        try {
          // The next batch is taken after each await, so events queued meanwhile are in it; with no
          // complete transaction queued nothing is awaited and draining ends before the next event.
          for (let batch = this.nextBatch(); !finished && batch.committed; batch = this.nextBatch())
            await this.applyBatch(tarantool, batch);
        } catch (error) {
          finish(error as Error);
        } finally {
          draining = false;
        }
      };

      zongji.on('ready', () => {
        this.state = 'streaming';
        this.log(`streaming the binlog after ${describePosition(start)}${resumeByGtid ? ', by GTID' : ''}`);
      });
      zongji.on('binlog', (event: AnyBinlogEvent) => {
        if (finished) return;
        const items = this.toItems(event, zongji);
        if (items.length === 0) return;
        this.queue.push(...items);
        void drain();
      });
      zongji.on('error', (error: Error & { errno?: number }) => {
        if (error.errno === binlogUnreadable) this.reloadReason = error.message;
        finish(new Error(`binlog stream: ${error.message}`));
      });
      zongji.on('stopped', () => finish(new Error('binlog stream stopped')));
      zongji.start({
        serverId: this.config.mysql.server_id ?? 7001,
        ...(resumeByGtid ? { gtidSet: start.gtid } : { filename: start.file, position: start.position }),
        includeEvents: ['rotate', 'tablemap', 'writerows', 'updaterows', 'deleterows', 'xid', 'query'],
        includeSchema,
      });
      // mysql2 reports a server that closed the connection (a restart) as 'end' with no error.
      zongji.connection?.once('end', () => finish(new Error('binlog connection closed by the master')));
    });
  }

  /** Read synchronously in the 'binlog' handler: that is when zongji's position belongs to this event. */
  private toItems(event: AnyBinlogEvent, zongji: ZongJi): Item[] {
    const time = event.timestamp / 1000;
    const name = event.getEventName();
    if (name === 'xid' || (name === 'query' && isCommitPoint(event as QueryEvent))) {
      const commit: Item = {
        kind: 'commit',
        time,
        position: {
          file: String(zongji.get('filename')),
          position: Number(zongji.get('position')),
          gtid: zongji.gtidSet ?? '',
          eventTime: time,
        },
      };
      const truncated = name === 'query' ? this.truncatedSpace(event as QueryEvent) : undefined;
      return truncated === undefined ? [commit] : [{ kind: 'ops', ops: [[truncated, 't']], time }, commit];
    }
    if (name !== 'writerows' && name !== 'updaterows' && name !== 'deleterows') return [];
    const rowsEvent = event as WriteRowsEvent | UpdateRowsEvent | DeleteRowsEvent;
    const table = rowsEvent.tableMap[rowsEvent.tableId];
    const target = table && this.targets.get(`${table.parentSchema}.${table.tableName}`);
    if (!target) return [];
    const { mapping, kinds } = target;
    const tuple = (row: RowData) => mapping.columns.map((c, i) => toField(row[c], kinds[i]!));
    const ops: Op[] = [];
    if (name === 'writerows') {
      for (const row of (rowsEvent as WriteRowsEvent).rows) ops.push([mapping.space, 'r', tuple(row)]);
    } else if (name === 'deleterows') {
      for (const row of (rowsEvent as DeleteRowsEvent).rows)
        ops.push([mapping.space, 'd', keyOf(tuple(row), mapping.key_fields)]);
    } else {
      for (const { before, after } of (rowsEvent as UpdateRowsEvent).rows) {
        const next = tuple(after);
        const oldKey = keyOf(tuple(before), mapping.key_fields);
        if (!sameKey(oldKey, keyOf(next, mapping.key_fields))) ops.push([mapping.space, 'd', oldKey]);
        ops.push([mapping.space, 'r', next]);
      }
    }
    return [{ kind: 'ops', ops, time }];
  }

  /** TRUNCATE of a mapped table arrives as a statement, not as row events. */
  private truncatedSpace(event: QueryEvent): number | undefined {
    const match = /^\s*TRUNCATE\s+(?:TABLE\s+)?(?:`?(\w+)`?\.)?`?(\w+)`?\s*$/i.exec(event.query);
    if (!match) return undefined;
    const database = match[1] ?? event.schema;
    return this.targets.get(`${database}.${match[2]}`)?.mapping.space;
  }

  /**
   * Applies whole transactions, with the position after the last of them, in one Tarantool transaction.
   * Rows of a transaction whose commit has not arrived wait for it: applied without their position, they
   * would be applied again after a restart.
   */
  private async applyBatch(tarantool: TarantoolClient, next: Batch): Promise<void> {
    const { taken, ops, committed, transactions } = next;
    if (!committed) return;
    const batch = { number: ++this.batches, ops: ops.length, transactions, position: committed };
    this.hooks.beforeApply?.(batch);
    await tarantool.call('replicator_apply', [ops, positionArgs(this.streamKey, committed)]);
    this.hooks.afterApply?.(batch);
    this.queue.splice(0, taken);
    this.appliedRows += ops.length;
    this.appliedTransactions += transactions;
    this.position = committed;
  }

  /** Whole transactions from the head of the queue, up to a batch's worth of rows (a larger one goes alone). */
  private nextBatch(): Batch {
    const ops: Op[] = [];
    let committed: BinlogPosition | undefined;
    let committedOps = 0;
    let taken = 0;
    let transactions = 0;
    for (let i = 0; i < this.queue.length; i++) {
      const item = this.queue[i]!;
      if (item.kind === 'ops') {
        if (committed && ops.length + item.ops.length > batchRows) break;
        ops.push(...item.ops);
        continue;
      }
      committed = item.position;
      committedOps = ops.length;
      taken = i + 1;
      transactions++;
      if (ops.length >= batchRows) break;
    }
    // Rows of a transaction that did not fit, or whose commit has not arrived, wait for the next batch.
    ops.length = committedOps;
    return { taken, ops, committed, transactions };
  }
}

function isCommitPoint(event: QueryEvent): boolean {
  const query = event.query.trim().toUpperCase();
  return query !== 'BEGIN' && !query.startsWith('XA START') && !query.startsWith('SAVEPOINT');
}
