import { resolve } from 'node:path';
import type { Inventory } from '../inventory/schema.ts';
import type { Layout } from './layout.ts';

/**
 * The local Vitess cluster as an ordered plan, the way Vitess's examples/local scripts bring one up
 * (etcd-up, vtctld-up, mysqlctl-up + vttablet-up per tablet, vtorc-up, vtgate-up, then CreateKeyspace,
 * ApplySchema, ApplyVSchema). Pure: the runner executes it, a dry run prints it, tests read it.
 */
export interface Endpoints {
  vtctld: { host: string; webPort: number; grpcPort: number };
  vtgate: { host: string; webPort: number; grpcPort: number; mysqlPort: number };
}

export interface TabletPlan {
  uid: number;
  alias: string;
  keyspace: string;
  shard: string;
  type: 'replica' | 'rdonly';
  webPort: number;
  grpcPort: number;
  mysqlPort: number;
  dir: string;
}

/** A long-running server the runner starts detached and waits for on its port. */
export interface ServerPlan {
  name: string;
  argv: string[];
  port: number;
  env?: Record<string, string>;
}

export function endpointsFor(inventory: Inventory | undefined, layout: Layout): Endpoints {
  return {
    vtctld: {
      host: inventory?.vtctld?.host ?? layout.vtctld.host,
      webPort: inventory?.vtctld?.webPort ?? layout.vtctld.webPort,
      grpcPort: inventory?.vtctld?.grpcPort ?? layout.vtctld.grpcPort,
    },
    vtgate: {
      host: inventory?.vtgate?.host ?? layout.vtgate.host,
      webPort: layout.vtgate.webPort,
      grpcPort: inventory?.vtgate?.grpcPort ?? layout.vtgate.grpcPort,
      mysqlPort: inventory?.vtgate?.mysqlPort ?? layout.vtgate.mysqlPort,
    },
  };
}

// Underscore spellings: what v19–v21 accept, and v22–v24 still accept (deprecated, removed in v25).
export function topoFlags(layout: Layout): string[] {
  return [
    '--topo_implementation',
    layout.topo.implementation,
    '--topo_global_server_address',
    `127.0.0.1:${layout.topo.clientPort}`,
    '--topo_global_root',
    layout.topo.globalRoot,
  ];
}

export function tabletsOf(layout: Layout, root: string, keyspace: string, shard: string): TabletPlan[] {
  const base = layout.keyspaces[keyspace]?.shards[shard];
  if (base === undefined) throw new Error(`vitess/layout.yaml does not define ${keyspace}/${shard}`);
  return [0, 1, 2].map((offset) => {
    const uid = base + offset;
    return {
      uid,
      alias: `${layout.cell}-${String(uid).padStart(10, '0')}`,
      keyspace,
      shard,
      // VTOrc promotes one of the replicas; the third tablet serves rdonly, as in the examples.
      type: offset === 2 ? 'rdonly' : 'replica',
      webPort: 15000 + uid,
      grpcPort: 16000 + uid,
      mysqlPort: 17000 + uid,
      dir: resolve(root, `vt_${String(uid).padStart(10, '0')}`),
    };
  });
}

export function etcdServer(layout: Layout, root: string): ServerPlan {
  const client = `http://127.0.0.1:${layout.topo.clientPort}`;
  return {
    name: 'etcd',
    port: layout.topo.clientPort,
    argv: [
      'etcd',
      '--data-dir',
      resolve(root, 'etcd'),
      '--listen-client-urls',
      client,
      '--advertise-client-urls',
      client,
      '--listen-peer-urls',
      `http://127.0.0.1:${layout.topo.peerPort}`,
      '--initial-advertise-peer-urls',
      `http://127.0.0.1:${layout.topo.peerPort}`,
      '--initial-cluster',
      `default=http://127.0.0.1:${layout.topo.peerPort}`,
    ],
  };
}

export function vtctldServerPlan(layout: Layout, root: string, endpoints: Endpoints): ServerPlan {
  return {
    name: 'vtctld',
    port: endpoints.vtctld.grpcPort,
    argv: [
      'vtctld',
      ...topoFlags(layout),
      '--cell',
      layout.cell,
      '--service_map',
      'grpc-vtctl,grpc-vtctld',
      '--backup_storage_implementation',
      'file',
      '--file_backup_storage_root',
      resolve(root, 'backups'),
      '--log_dir',
      resolve(root, 'tmp'),
      '--port',
      String(endpoints.vtctld.webPort),
      '--grpc_port',
      String(endpoints.vtctld.grpcPort),
      '--pid_file',
      resolve(root, 'tmp', 'vtctld.pid'),
    ],
  };
}

export function mysqlctlInit(root: string, tablet: TabletPlan, existing: boolean): string[] {
  return [
    'mysqlctl',
    '--log_dir',
    resolve(root, 'tmp'),
    '--tablet_uid',
    String(tablet.uid),
    '--mysql_port',
    String(tablet.mysqlPort),
    existing ? 'start' : 'init',
  ];
}

export function mysqlctlShutdown(root: string, tablet: TabletPlan): string[] {
  return [
    'mysqlctl',
    '--log_dir',
    resolve(root, 'tmp'),
    '--tablet_uid',
    String(tablet.uid),
    '--mysql_port',
    String(tablet.mysqlPort),
    'shutdown',
  ];
}

export function vttabletServer(
  layout: Layout,
  root: string,
  endpoints: Endpoints,
  tablet: TabletPlan,
): ServerPlan {
  return {
    name: `vttablet ${tablet.alias} (${tablet.keyspace}/${tablet.shard} ${tablet.type})`,
    port: tablet.grpcPort,
    argv: [
      'vttablet',
      ...topoFlags(layout),
      '--log_dir',
      resolve(root, 'tmp'),
      '--tablet-path',
      tablet.alias,
      '--tablet_hostname',
      '127.0.0.1',
      '--init_keyspace',
      tablet.keyspace,
      '--init_shard',
      tablet.shard,
      '--init_tablet_type',
      tablet.type,
      '--health_check_interval',
      '5s',
      '--backup_storage_implementation',
      'file',
      '--file_backup_storage_root',
      resolve(root, 'backups'),
      '--port',
      String(tablet.webPort),
      '--grpc_port',
      String(tablet.grpcPort),
      '--service_map',
      'grpc-queryservice,grpc-tabletmanager,grpc-updatestream',
      '--pid_file',
      resolve(tablet.dir, 'vttablet.pid'),
      '--vtctld_addr',
      `http://${endpoints.vtctld.host}:${endpoints.vtctld.webPort}/`,
      '--heartbeat_enable',
      '--heartbeat_interval=250ms',
      '--heartbeat_on_demand_duration=5s',
    ],
  };
}

export function vtorcServer(layout: Layout, root: string): ServerPlan {
  return {
    name: 'vtorc',
    port: layout.vtorc.port,
    argv: [
      'vtorc',
      ...topoFlags(layout),
      '--log_dir',
      resolve(root, 'tmp'),
      '--port',
      String(layout.vtorc.port),
      '--instance-poll-time',
      '1s',
      '--topo-information-refresh-duration',
      '5s',
    ],
  };
}

export function vtgateServer(layout: Layout, root: string, endpoints: Endpoints): ServerPlan {
  return {
    name: 'vtgate',
    port: endpoints.vtgate.mysqlPort,
    argv: [
      'vtgate',
      ...topoFlags(layout),
      '--log_dir',
      resolve(root, 'tmp'),
      '--port',
      String(endpoints.vtgate.webPort),
      '--grpc_port',
      String(endpoints.vtgate.grpcPort),
      '--mysql_server_port',
      String(endpoints.vtgate.mysqlPort),
      '--mysql_server_bind_address',
      endpoints.vtgate.host,
      '--cell',
      layout.cell,
      '--cells_to_watch',
      layout.cell,
      '--tablet_types_to_wait',
      'PRIMARY,REPLICA',
      '--service_map',
      'grpc-vtgateservice',
      '--pid_file',
      resolve(root, 'tmp', 'vtgate.pid'),
      '--enable_buffer',
      // Local only (bound to the inventory's vtgate host, 127.0.0.1 by default), as in the examples.
      '--mysql_auth_server_impl',
      'none',
    ],
  };
}

/** vtctldclient commands of `up` after the servers run, in order. */
export function bootstrapCommands(
  layout: Layout,
  keyspace: string,
): { create: string[]; schema: string[][]; vschema: string[] } {
  const ks = layout.keyspaces[keyspace];
  if (!ks) throw new Error(`vitess/layout.yaml does not define keyspace ${keyspace}`);
  const dir = (layout as Layout & { dir?: string }).dir ?? '.';
  return {
    create: ['CreateKeyspace', `--durability-policy=${layout.durabilityPolicy}`, keyspace],
    schema: (ks.schema ?? []).map((file) => ['ApplySchema', '--sql-file', resolve(dir, file), keyspace]),
    vschema: ['ApplyVSchema', '--vschema-file', resolve(dir, ks.vschema), keyspace],
  };
}

export function addCellInfo(layout: Layout): string[] {
  return [
    'AddCellInfo',
    '--root',
    `/vitess/${layout.cell}`,
    '--server-address',
    `127.0.0.1:${layout.topo.clientPort}`,
    layout.cell,
  ];
}

/** Binaries `up` needs; mysqld must be MySQL 8 (Vitess v19+ dropped 5.7 and never ran on MariaDB). */
export const requiredBinaries = [
  'etcd',
  'vtctld',
  'vtctldclient',
  'mysqlctl',
  'vttablet',
  'vtorc',
  'vtgate',
  'mysqld',
];
