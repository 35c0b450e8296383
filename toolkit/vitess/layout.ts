import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parse } from 'yaml';
import { repoRoot } from '../inventory/paths.ts';
import type { Inventory } from '../inventory/schema.ts';
import { UsageError } from '../procedure/errors.ts';
import { parseShard } from './keyrange.ts';

const Port = Type.Integer({ minimum: 1, maximum: 65535 });
const KeyspaceName = Type.String({ pattern: '^[a-z][a-z0-9_]{0,62}$' });

export const Layout = Type.Object(
  {
    cell: Type.String({ pattern: '^[a-z][a-z0-9_]{0,30}$' }),
    topo: Type.Object(
      {
        implementation: Type.Literal('etcd2'),
        clientPort: Port,
        peerPort: Port,
        globalRoot: Type.String({ pattern: '^/' }),
      },
      { additionalProperties: false },
    ),
    vtctld: Type.Object(
      { host: Type.String(), webPort: Port, grpcPort: Port },
      { additionalProperties: false },
    ),
    vtgate: Type.Object(
      { host: Type.String(), webPort: Port, grpcPort: Port, mysqlPort: Port },
      { additionalProperties: false },
    ),
    vtorc: Type.Object({ port: Port }, { additionalProperties: false }),
    durabilityPolicy: Type.Union([Type.Literal('semi_sync'), Type.Literal('none')]),
    keyspaces: Type.Record(
      KeyspaceName,
      Type.Object(
        {
          vschema: Type.String(),
          schema: Type.Optional(Type.Array(Type.String())),
          /** Shard name → the uid of its first tablet; the shard's tablets are uid, uid+1 (replica), uid+2 (rdonly). */
          shards: Type.Record(Type.String(), Type.Integer({ minimum: 1, maximum: 9_990 })),
        },
        { additionalProperties: false },
      ),
    ),
    initialShards: Type.Record(KeyspaceName, Type.Array(Type.String())),
  },
  { additionalProperties: false },
);

export type Layout = Static<typeof Layout>;

export const layoutFile = (): string =>
  resolve(process.env.TOOLKIT_VITESS_LAYOUT ?? join(repoRoot, 'vitess', 'layout.yaml'));

/** vitess/layout.yaml, validated: shard names parse, tablet uids and ports do not collide. */
export function loadLayout(file = layoutFile()): Layout & { dir: string } {
  let raw: unknown;
  try {
    raw = parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`${file}: ${(error as Error).message.split('\n')[0]}`);
  }
  const problem = [...Value.Errors(Layout, raw)][0];
  if (problem) throw new UsageError(`${file}: ${problem.path || '/'}: ${problem.message}`);
  const layout = raw as Layout;
  const uids = new Map<number, string>();
  for (const [keyspace, ks] of Object.entries(layout.keyspaces)) {
    for (const [shard, uid] of Object.entries(ks.shards)) {
      parseShard(shard);
      for (const u of [uid, uid + 1, uid + 2]) {
        const other = uids.get(u);
        if (other)
          throw new UsageError(`${file}: tablet uid ${u} of ${keyspace}/${shard} is also used by ${other}`);
        uids.set(u, `${keyspace}/${shard}`);
      }
    }
  }
  for (const [keyspace, shards] of Object.entries(layout.initialShards)) {
    for (const shard of shards) {
      if (layout.keyspaces[keyspace]?.shards[shard] === undefined)
        throw new UsageError(
          `${file}: initialShards names ${keyspace}/${shard}, which keyspaces does not define`,
        );
    }
  }
  return { ...layout, dir: dirname(file) };
}

/** vtctld's gRPC address: the inventory's when it has one, else the layout's (the local cluster). */
export function vtctldServer(inventory: Inventory, layout: Layout): string {
  return inventory.vtctld
    ? `${inventory.vtctld.host}:${inventory.vtctld.grpcPort}`
    : `${layout.vtctld.host}:${layout.vtctld.grpcPort}`;
}
