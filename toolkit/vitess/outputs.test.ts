import { describe, expect, it } from 'vitest';
import {
  copyFinished,
  copyProgress,
  describeMismatch,
  isErrorStream,
  parseRoutingRules,
  parseShardRecord,
  parseTablets,
  parseTrafficState,
  parseVDiffCreate,
  parseVDiffShow,
  parseVSchema,
  parseWorkflowStatus,
  routeOf,
  servedShards,
  topologyData,
} from './outputs.ts';
import { fixture, goFormat } from './testing/fixtures.ts';
import { errorMessage } from './vtctldclient.ts';

describe('workflow status JSON', () => {
  it('reads a running stream with an empty copy state', () => {
    const status = parseWorkflowStatus(fixture('movetables-status-running.json'));
    expect(status.streams).toEqual([
      {
        id: 2,
        target: 'customer/0',
        tablet: 'zone1-200',
        sourceShard: 'commerce/0',
        status: 'Running',
        info: 'VStream Lag: 0s',
      },
    ]);
    expect(status.tables).toEqual([]);
    expect(copyFinished(status)).toBe(true);
    expect(parseTrafficState(status.trafficState)).toEqual({ reads: 'none', writes: 'none' });
  });

  it('reads the copy phase with int64 counters as strings and a float32 percentage', () => {
    const status = parseWorkflowStatus(fixture('movetables-status-copying-not-started.json'));
    expect(status.tables).toEqual([
      { table: 'corder', rowsCopied: 11, rowsTotal: 11, rowsPercentage: 100, phase: 'COMPLETE' },
      { table: 'customer', rowsCopied: 0, rowsTotal: 47609, rowsPercentage: 0, phase: 'NOT_STARTED' },
    ]);
    expect(copyFinished(status)).toBe(false);
    expect(copyProgress(status)).toEqual({ copied: 11, total: 47620 });
  });

  it.each([
    ['movetables-status-copying.json', { copied: 800, total: 1000 }],
    ['status-json-copy-phases.unit-test.json', { copied: 30, total: 2070 }],
    ['movetables-status-copy-in-progress-running-txtime.json', undefined],
  ])('%s is still copying', (name, progress) => {
    const status = parseWorkflowStatus(fixture(name));
    expect(copyFinished(status)).toBe(false);
    if (progress) expect(copyProgress(status)).toEqual(progress);
  });

  it.each(['movetables-status-error-stream.json', 'movetables-status-copy-in-progress-error-stream.json'])(
    '%s has an error stream',
    (name) => {
      const status = parseWorkflowStatus(fixture(name));
      expect(status.streams.filter(isErrorStream).map((s) => s.status)).toEqual([
        expect.stringMatching(/^Error: Unknown column 'notes'/),
      ]);
      expect(copyFinished(status)).toBe(false);
    },
  );

  it('accepts enum numbers and missing zero values from other vtctldclient versions', () => {
    const status = parseWorkflowStatus(
      JSON.stringify({
        table_copy_state: { t: { rows_copied: 5, rows_total: '5', phase: 3 }, u: { phase: 1 } },
        shard_streams: {
          'ks/-80': { streams: [{ id: '7', tablet: { cell: 'zone1', uid: 400 }, status: 'Running' }] },
        },
      }),
    );
    expect(status.tables.map((t) => [t.table, t.rowsCopied, t.rowsTotal, t.phase])).toEqual([
      ['t', 5, 5, 'COMPLETE'],
      ['u', 0, 0, 'NOT_STARTED'],
    ]);
    expect(status.streams[0]).toMatchObject({ id: 7, target: 'ks/-80', tablet: 'zone1-400', info: '' });
    expect(status.trafficState).toBe('');
  });
});

describe('traffic state', () => {
  it.each([
    ['Reads Not Switched. Writes Not Switched', { reads: 'none', writes: 'none' }],
    ['All Reads Switched. Writes Switched', { reads: 'all', writes: 'all' }],
    ['All Reads Switched. Writes Not Switched', { reads: 'all', writes: 'none' }],
    [
      'Reads partially switched, for shards: -80. Writes partially switched, for shards: -80',
      { reads: 'partial', writes: 'partial' },
    ],
    [
      'Reads partially switched. Replica not switched. All Rdonly Reads Switched. Writes Not Switched',
      { reads: 'partial', writes: 'none' },
    ],
  ])('%s', (text, expected) => {
    expect(parseTrafficState(text)).toEqual(expected);
  });

  it('reads the start and current states SwitchTraffic and ReverseTraffic print', () => {
    const [, start, current] =
      /Start State: (.*)\nCurrent State: (.*)/.exec(fixture('switchtraffic-success.txt')) ?? [];
    expect(parseTrafficState(start ?? '')).toEqual({ reads: 'none', writes: 'none' });
    expect(parseTrafficState(current ?? '')).toEqual({ reads: 'all', writes: 'all' });
    const [, from, to] = fixture('reversetraffic-response-fields.unit-test.txt').split('\n');
    expect(parseTrafficState(from ?? '')).toEqual({ reads: 'all', writes: 'all' });
    expect(parseTrafficState(to ?? '')).toEqual({ reads: 'none', writes: 'none' });
  });

  it('refuses a sentence it does not understand', () => {
    expect(() => parseTrafficState('')).toThrow(/unrecognised traffic state/);
    expect(() => parseTrafficState('Switched somehow')).toThrow(/unrecognised/);
  });
});

describe('VDiff', () => {
  it('reads the uuid from create', () => {
    expect(parseVDiffCreate(fixture('vdiff-create.txt'))).toBe('bc74b91b-2ee8-4869-bc39-4740ce445e20');
    expect(parseVDiffCreate(fixture('reshard-vdiff-create.txt'))).toBe(
      '60fa5738-9bad-11ed-b6de-920702940ee0',
    );
  });

  it.each([
    ['vdiff-show-last-completed.json', 196, '0'],
    ['vdiff-show-last-verbose-completed.json', 10, '0'],
    ['reshard-vdiff-show-last.json', 10, '-80,80-'],
    ['reshard-vdiff-show-last-4-shards.json', 32, '-40,40-80,80-c0,c0-'],
  ])('%s is a clean completed diff (TAB indent, trailing space accepted)', (name, rows, shards) => {
    expect(parseVDiffShow(fixture(name))).toMatchObject({
      state: 'completed',
      hasMismatch: false,
      rowsCompared: rows,
      shards,
    });
  });

  it('reads the modern 2-space templates', () => {
    const clean = goFormat(
      fixture('vdiff-show-completed-clean.template.json'),
      'targetks',
      'u-1',
      10,
      false,
      '2024-01-01 00:00:00',
      '2024-01-01 00:00:01',
    );
    expect(parseVDiffShow(clean)).toMatchObject({ state: 'completed', hasMismatch: false, rowsCompared: 10 });
    const sharded = goFormat(
      fixture('vdiff-show-sharded-verbose.template.json'),
      'targetks',
      'u-2',
      6,
      false,
      's',
      'c',
      6,
      6,
      0,
      0,
      0,
      3,
      3,
      0,
      0,
      0,
      3,
      3,
      0,
      0,
      0,
    );
    expect(parseVDiffShow(sharded)).toMatchObject({
      hasMismatch: false,
      shards: '-80,80-',
      tables: [{ table: 't1', matchingRows: 6 }],
    });
  });

  it('reads a mismatch with its summary and sample rows', () => {
    const report = parseVDiffShow(
      goFormat(
        fixture('vdiff-show-mismatch.template.json'),
        'targetks',
        'u-3',
        3,
        true,
        's',
        'c',
        ...[3, 2, 1, 0, 0, 3, 2, 1, 0, 0],
        fixture('vdiff-show-mismatch.fragment-mismatched-rows-sample.txt'),
      ),
    );
    expect(report).toMatchObject({
      state: 'completed',
      hasMismatch: true,
      tables: [{ table: 't1', mismatchedRows: 1, matchingRows: 2 }],
    });
    const text = describeMismatch(report!);
    expect(text).toContain('t1: 1 mismatched, 0 only on source, 0 only on target of 3');
    expect(text).toContain('"c2":"3"');
    expect(text).toContain('"c2":"4"');
  });

  it('reads a diff in progress, JSON and text', () => {
    expect(parseVDiffShow(fixture('vdiff-show-started-progress.json'))).toMatchObject({
      state: 'started',
      progress: { percentage: 48.57, eta: '2022-07-15 03:26:10' },
    });
    const text = goFormat(
      fixture('vdiff-show-started-text.template.txt'),
      'u-4',
      '2024-01-01 00:00:00',
      '2024-01-01 00:01:00',
    );
    expect(parseVDiffShow(text)).toMatchObject({
      state: 'started',
      hasMismatch: false,
      rowsCompared: 30,
      progress: { percentage: 10, eta: '2024-01-01 00:01:00' },
    });
    expect(parseVDiffShow(fixture('vdiff-show-last-text.txt'))).toMatchObject({
      state: 'completed',
      hasMismatch: false,
      uuid: '4c664dc2-eba9-11ec-9ef7-920702940ee0',
    });
  });

  it('treats "no vdiffs" as none', () => {
    expect(
      parseVDiffShow(goFormat(fixture('vdiff-show-all-none.template.txt'), 'chat_message', 'w')),
    ).toBeNull();
    expect(parseVDiffShow('')).toBeNull();
  });
});

describe('routing rules', () => {
  it('reads camelCase and snake_case rules alike', () => {
    const before = parseRoutingRules(fixture('getroutingrules-after-movetables-create.json'));
    const after = parseRoutingRules(fixture('getroutingrules-after-switchtraffic.json'));
    expect(before).toHaveLength(16);
    expect(after).toHaveLength(16);
    expect(routeOf(before, 'customer', '')).toBe('commerce.customer');
    expect(routeOf(before, 'customer', 'replica')).toBe('commerce.customer');
    expect(routeOf(after, 'customer', '')).toBe('customer.customer');
    expect(routeOf(after, 'corder', 'rdonly')).toBe('customer.corder');
    expect(parseRoutingRules(fixture('getroutingrules-after-complete-empty.json'))).toEqual([]);
  });
});

describe('topology', () => {
  it('reads tablets, with <null> term starts and other cells', () => {
    const tablets = parseTablets(fixture('gettablets-keyspace-customer-sharded.txt'));
    expect(tablets).toHaveLength(6);
    expect(tablets.filter((t) => t.type === 'primary').map((t) => t.shard)).toEqual(['-80', '80-']);
    expect(parseTablets(fixture('gettablets-unsharded-commerce.txt'))[0]).toEqual({
      alias: 'cell1-0000000100',
      cell: 'cell1',
      keyspace: 'commerce',
      shard: '0',
      type: 'primary',
    });
    expect(parseTablets(fixture('gettablets-keyspace-main-5-shards.txt')).map((t) => t.shard)).toEqual([
      '0',
      '-40',
      '40-80',
      '80-c0',
      'c0-',
    ]);
    expect(parseTablets('')).toEqual([]);
  });

  it('reads the served shards of a SrvKeyspace and a Shard record', () => {
    const data = topologyData(fixture('gettopologypath-srvkeyspace.json'));
    expect(servedShards(data, 'PRIMARY')).toEqual(['0']);
    expect(servedShards(data, 'RDONLY')).toEqual(['0']);
    const split =
      'partitions:{served_type:PRIMARY shard_references:{name:"-80" key_range:{end:"\\x80"}} shard_references:{name:"80-" key_range:{start:"\\x80"}}} partitions:{served_type:REPLICA shard_references:{name:"0"}}';
    expect(servedShards(split, 'PRIMARY')).toEqual(['-80', '80-']);
    expect(servedShards(split, 'REPLICA')).toEqual(['0']);
    expect(parseShardRecord(topologyData(fixture('gettopologypath-shard-record.json')))).toEqual({
      primaryAlias: 'zone1-0000000101',
      isPrimaryServing: true,
    });
  });
});

describe('VSchema', () => {
  it('reads the primary vindex of full, compact and ApplyVSchema forms', () => {
    const hash = parseVSchema(fixture('getvschema-sharded-customer-hash.json'));
    expect(hash.sharded).toBe(true);
    expect(hash.primaryVindex('customer')).toEqual({ column: 'customer_id', type: 'hash' });
    const compact = parseVSchema(fixture('getvschema-sharded-main-compact.json'));
    expect(compact.primaryVindex('customer')).toEqual({ column: 'id', type: 'region_json' });
    const applied = parseVSchema(fixture('applyvschema-commerce-initial-101-script-excerpt.txt'));
    expect(applied.sharded).toBe(false);
    expect(applied.tables).toEqual(['corder', 'customer', 'product']);
    const reverse = parseVSchema(fixture('applyvschema-input-reverse-bits-sharded.json'));
    expect(reverse.primaryVindex('customer')).toEqual({ column: 'id', type: 'reverse_bits' });
    expect(parseVSchema(fixture('getvschema-unsharded-main.json')).primaryVindex('customer')).toBeUndefined();
  });
});

describe('error text', () => {
  it('takes the desc of a gRPC error from glog, legacy and JSON log lines', () => {
    expect(errorMessage(fixture('error-migrate-legacy-vtctlclient-remote-error.txt'))).toBe(
      'table table1 not found in vschema for keyspace sharded',
    );
    const glog = `E1011 16:49:02.123456   4242 main.go:56] rpc error: code = Unknown desc = ${fixture('error-no-streams-found-for-workflow.txt').trim()}\n`;
    expect(errorMessage(glog)).toBe('no streams found in keyspace target for no_workflow');
    const json = `{"level":"error","msg":"rpc error: code = FailedPrecondition desc = ${fixture('error-cancel-after-traffic-switched.message.txt').trim()}"}\n`;
    expect(errorMessage(json)).toBe(
      'cannot cancel workflow because you have already switched some or all read and write traffic',
    );
  });
});
