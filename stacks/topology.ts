import type { StackSettings } from './config.ts';

/** Host ports of the seed, kept so that old clients and notes still point at the right place. */
export const ports = {
  mysqlMaster: 10100,
  mysqlFirstSlave: 10101,
  redis: 6379,
  rabbitmq: 5672,
  rabbitmqManagement: 15672,
  tarantool: 3301,
  clickhouseHttp: 8123,
  /** HAProxy's writer and reader endpoints, on the app host's 127.0.0.1 (compose's defaults). */
  haproxyWriter: 10110,
  haproxyReader: 10111,
  vtctldWeb: 15000,
  vtgateWeb: 15001,
  vtgateMysql: 15306,
  vtctldGrpc: 15999,
} as const;

export type HostRole = 'app' | 'slave' | 'vitess' | 'monitoring';

export interface HostPlan {
  /** The seed's machine name (app, app-db-slave, vitess), unique within a stack. */
  key: string;
  role: HostRole;
  machineType: string;
  /** Runs databases (master, slaves, Redis, RabbitMQ, Tarantool, ClickHouse): gets a data disk. */
  keepsData: boolean;
}

export interface SlavePlan {
  name: string;
  hostKey: string;
  port: number;
  serverId: number;
}

export interface Topology {
  hosts: HostPlan[];
  slaves: SlavePlan[];
  /** Every MySQL port in use: master first. */
  mysqlPorts: number[];
}

/**
 * Which machines exist and which slave runs where. `slavePlacement` pins it (names and hosts never move
 * when slaves or hosts are added); without it, slaves are spread round-robin over `slaveHosts`, named as
 * stacks made before have them (`app-db-slave` for one host).
 */
export function planTopology(settings: StackSettings): Topology {
  const placement = settings.slavePlacement ?? roundRobin(settings);
  const slaves = Object.entries(placement)
    .map(([name, hostKey]): SlavePlan => {
      // db-slave-N: its port and server id follow from N alone, so no other slave's change moves them.
      const n = Number(name.slice('db-slave-'.length));
      return { name, hostKey, port: ports.mysqlMaster + n, serverId: n + 1 };
    })
    .sort((a, b) => a.serverId - b.serverId);
  const slaveHostKeys = [...new Set(slaves.map((s) => s.hostKey))];
  const hosts: HostPlan[] = [
    { key: 'app', role: 'app', machineType: settings.machineTypes.app, keepsData: true },
    ...slaveHostKeys.map(
      (key): HostPlan => ({ key, role: 'slave', machineType: settings.machineTypes.slave, keepsData: true }),
    ),
  ];
  // Prometheus and Grafana on a machine of their own: they must outlive the app host (the master, Redis,
  // the replicator), whose loss is the alert that matters most, and not take its CPU or disk.
  hosts.push({
    key: 'monitoring',
    role: 'monitoring',
    machineType: settings.machineTypes.monitoring,
    keepsData: true,
  });
  // The Vitess processes are the vitess/ scripts' job; this host runs nothing of the stack's yet.
  if (settings.vitess)
    hosts.push({
      key: 'vitess',
      role: 'vitess',
      machineType: settings.machineTypes.vitess,
      keepsData: false,
    });
  // Each slave has its own port even across hosts, so an address never names two nodes in notes or logs.
  return { hosts, slaves, mysqlPorts: [ports.mysqlMaster, ...slaves.map((s) => s.port)] };
}

/** The placement of stacks without `slavePlacement`: slave i on slave host i mod slaveHosts. */
export function roundRobin(settings: Pick<StackSettings, 'slaves' | 'slaveHosts'>): Record<string, string> {
  const hostKey = (i: number) => (settings.slaveHosts === 1 ? 'app-db-slave' : `app-db-slave-${i + 1}`);
  return Object.fromEntries(
    Array.from({ length: settings.slaves }, (_, i) => [
      `db-slave-${i + 1}`,
      hostKey(i % settings.slaveHosts),
    ]),
  );
}
