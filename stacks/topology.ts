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
  vtctldWeb: 15000,
  vtgateWeb: 15001,
  vtgateMysql: 15306,
  vtctldGrpc: 15999,
} as const;

export type HostRole = 'app' | 'slave' | 'vitess';

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

/** Which machines exist and which slave runs where; slaves are spread round-robin over the slave hosts. */
export function planTopology(settings: StackSettings): Topology {
  const slaveHostKeys = Array.from({ length: settings.slaveHosts }, (_, i) =>
    settings.slaveHosts === 1 ? 'app-db-slave' : `app-db-slave-${i + 1}`,
  );
  const hosts: HostPlan[] = [
    { key: 'app', role: 'app', machineType: settings.machineTypes.app, keepsData: true },
    ...slaveHostKeys.map(
      (key): HostPlan => ({ key, role: 'slave', machineType: settings.machineTypes.slave, keepsData: true }),
    ),
  ];
  // The Vitess processes are the vitess/ scripts' job; this host runs nothing of the stack's yet.
  if (settings.vitess)
    hosts.push({
      key: 'vitess',
      role: 'vitess',
      machineType: settings.machineTypes.vitess,
      keepsData: false,
    });
  // Each slave gets its own port even across hosts, so an address never names two nodes in notes or logs.
  const slaves = Array.from(
    { length: settings.slaves },
    (_, i): SlavePlan => ({
      name: `db-slave-${i + 1}`,
      hostKey: slaveHostKeys[i % slaveHostKeys.length]!,
      port: ports.mysqlFirstSlave + i,
      serverId: i + 2,
    }),
  );
  return { hosts, slaves, mysqlPorts: [ports.mysqlMaster, ...slaves.map((s) => s.port)] };
}
