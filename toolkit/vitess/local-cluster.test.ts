import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../lib/temp-dirs.ts';
import type { Inventory } from '../inventory/schema.ts';
import { UsageError } from '../procedure/errors.ts';
import { parseShard } from './keyrange.ts';
import { loadLayout, vtctldServer } from './layout.ts';
import {
  addCellInfo,
  bootstrapCommands,
  endpointsFor,
  etcdServer,
  tabletsOf,
  vtctldServerPlan,
  vtgateServer,
  vtorcServer,
  vttabletServer,
} from './local-cluster.ts';
import { vitessLocalRunbook } from './local-runbook.ts';
import { parseVSchema } from './outputs.ts';
import { routesTable } from './workflow.ts';

const layout = loadLayout();
const root = '/data/vt';
const endpoints = endpointsFor(undefined, layout);
const tmp = makeTempDir('vitess-layout-');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function allServers() {
  const servers = [
    etcdServer(layout, root),
    vtctldServerPlan(layout, root, endpoints),
    vtorcServer(layout, root),
    vtgateServer(layout, root, endpoints),
  ];
  for (const [keyspace, ks] of Object.entries(layout.keyspaces)) {
    for (const shard of Object.keys(ks.shards))
      for (const t of tabletsOf(layout, root, keyspace, shard))
        servers.push(vttabletServer(layout, root, endpoints, t));
  }
  return servers;
}

describe('vitess/ layout and VSchemas', () => {
  it("holds the seed's keyspaces and every shard of its two splits", () => {
    expect(Object.keys(layout.keyspaces)).toEqual(['app', 'chat_message']);
    expect(Object.keys(layout.keyspaces.chat_message!.shards)).toEqual(['0', '-80', '80-', '-40', '40-80']);
    expect(layout.initialShards).toEqual({ app: ['0'], chat_message: ['0'] });
  });

  it('routes chat_message by chat_id with reverse_bits, and lists it in the app keyspace until MoveTables completes', () => {
    const sharded = parseVSchema(readFileSync(join(layout.dir, 'vschema', 'chat_message.json'), 'utf8'));
    expect(
      routesTable(sharded, {
        table: 'chat_message',
        column: 'chat_id',
        vindex: 'reverse_bits',
        vschemaFile: '',
      }),
    ).toBe(true);
    const app = parseVSchema(readFileSync(join(layout.dir, 'vschema', 'app.json'), 'utf8'));
    expect(app.sharded).toBe(false);
    expect(app.tables).toContain('chat_message');
  });

  it('refuses a layout whose tablet uids collide or whose shard names are malformed', () => {
    const write = (text: string) => {
      const file = join(tmp, `layout-${Math.random()}.yaml`);
      writeFileSync(file, text);
      return file;
    };
    const base = readFileSync(join(layout.dir, 'layout.yaml'), 'utf8');
    expect(() => loadLayout(write(base.replace('"80-": 500', '"80-": 401')))).toThrow(
      /tablet uid 401 of chat_message\/80- is also used by chat_message\/-80/,
    );
    expect(() => loadLayout(write(base.replace('"40-80": 700', '"40-8": 700')))).toThrow(
      /odd number of hex digits/,
    );
    expect(() => loadLayout(write(base.replace('cell: zone1', 'cell: Zone 1')))).toThrow(UsageError);
  });
});

describe('local cluster plan', () => {
  it('gives every server its own port', () => {
    const ports = allServers().map((s) => s.port);
    expect(new Set(ports).size).toBe(ports.length);
    const tablets = Object.entries(layout.keyspaces).flatMap(([k, ks]) =>
      Object.keys(ks.shards).flatMap((s) => tabletsOf(layout, root, k, s)),
    );
    const every = [
      layout.topo.clientPort,
      layout.topo.peerPort,
      endpoints.vtctld.webPort,
      endpoints.vtctld.grpcPort,
      endpoints.vtgate.webPort,
      endpoints.vtgate.grpcPort,
      endpoints.vtgate.mysqlPort,
      layout.vtorc.port,
      ...tablets.flatMap((t) => [t.webPort, t.grpcPort, t.mysqlPort]),
    ];
    expect(tablets).toHaveLength(18);
    expect(new Set(every).size).toBe(every.length);
  });

  it('starts three tablets per shard like the examples: two replicas (VTOrc promotes one) and an rdonly', () => {
    const tablets = tabletsOf(layout, root, 'chat_message', '-40');
    expect(tablets.map((t) => [t.alias, t.type, t.webPort, t.grpcPort, t.mysqlPort])).toEqual([
      ['zone1-0000000600', 'replica', 15600, 16600, 17600],
      ['zone1-0000000601', 'replica', 15601, 16601, 17601],
      ['zone1-0000000602', 'rdonly', 15602, 16602, 17602],
    ]);
    const argv = vttabletServer(layout, root, endpoints, tablets[0]!).argv;
    expect(argv.slice(argv.indexOf('--init_keyspace'), argv.indexOf('--init_keyspace') + 6)).toEqual([
      '--init_keyspace',
      'chat_message',
      '--init_shard',
      '-40',
      '--init_tablet_type',
      'replica',
    ]);
    expect(argv).toContain('--tablet-path');
    expect(() => parseShard(argv[argv.indexOf('--init_shard') + 1]!)).not.toThrow();
  });

  it('takes vtctld and vtgate endpoints from the inventory when it has them', () => {
    const inventory = {
      vtctld: { host: '10.0.0.5', grpcPort: 25999, webPort: 25000 },
      vtgate: { host: '10.0.0.6', mysqlPort: 25306 },
    } as Inventory;
    const from = endpointsFor(inventory, layout);
    expect(from.vtctld).toEqual({ host: '10.0.0.5', webPort: 25000, grpcPort: 25999 });
    expect(from.vtgate.mysqlPort).toBe(25306);
    expect(vtctldServer(inventory, layout)).toBe('10.0.0.5:25999');
    expect(vtctldServer({} as Inventory, layout)).toBe('127.0.0.1:15999');
    expect(vtgateServer(layout, root, from).argv.join(' ')).toContain(
      '--mysql_server_port 25306 --mysql_server_bind_address 10.0.0.6',
    );
  });

  it('bootstraps keyspaces with modern vtctldclient commands', () => {
    expect(addCellInfo(layout)).toEqual([
      'AddCellInfo',
      '--root',
      '/vitess/zone1',
      '--server-address',
      '127.0.0.1:2379',
      'zone1',
    ]);
    const app = bootstrapCommands(layout, 'app');
    expect(app.create).toEqual(['CreateKeyspace', '--durability-policy=semi_sync', 'app']);
    expect(app.schema).toEqual([
      [
        'ApplySchema',
        '--sql-file',
        join(layout.dir, '..', 'app', 'migrations', 'chat', '001_chat_message.sql'),
        'app',
      ],
    ]);
    expect(bootstrapCommands(layout, 'chat_message').vschema).toEqual([
      'ApplyVSchema',
      '--vschema-file',
      join(layout.dir, 'vschema', 'chat_message.json'),
      'chat_message',
    ]);
  });
});

describe('scripts/vitess-local.mjs arguments', () => {
  const validate = (words: string[]) => vitessLocalRunbook.validate?.({} as never, words);
  it.each([
    [['start'], /action must be one of up, add-shards, retire-shards, down, status/],
    [['add-shards', 'chat_message'], /takes a keyspace and a shard list/],
    [['add-shards', 'nope', '-80'], /keyspace 'nope' is not in vitess\/layout.yaml/],
    [['add-shards', 'chat_message', '-20,20-80'], /shard chat_message\/-20 is not in vitess\/layout.yaml/],
    [['add-shards', 'chat_message', '-40,40-8x'], /not hex/],
    [['down', 'now'], /takes no further arguments/],
  ])('%j is refused', (words, reason) => {
    expect(() => validate(words)).toThrow(reason);
  });

  it('accepts the seed steps', () => {
    expect(() => validate(['up'])).not.toThrow();
    expect(() => validate(['add-shards', 'chat_message', '-80,80-'])).not.toThrow();
    expect(() => validate(['retire-shards', 'chat_message', '0'])).not.toThrow();
  });
});
