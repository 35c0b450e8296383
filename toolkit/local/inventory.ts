import { join, resolve } from 'node:path';
import { backupRoot, binlogArchiveDir } from '../backup/layout.ts';
import { stateDir } from '../inventory/paths.ts';
import type { Inventory, MysqlNode } from '../inventory/schema.ts';
import type { InventorySource, Topology } from '../inventory/source.ts';
import { validateInventory } from '../inventory/validate.ts';
import { type LocalState, loadState, nodeDir, stateFile, updateState } from './state.ts';

export const localHost = '127.0.0.1';

/** The binlog archiver's account (toolkit/local/binlog-archive-component.ts). */
export const archiveCredential = { user: 'binlog_archive', password: 'local:mysql-binlog-archive' };

export function localMysqlNode(state: LocalState, name: string): MysqlNode {
  const node = state.mysql.nodes.find((n) => n.name === name);
  if (!node) throw new Error(`local state names mysql node ${name} but does not describe it`);
  return { name, host: localHost, port: node.port, optionsDir: join(nodeDir(name), 'conf.d') };
}

/** The `local` inventory, read from the local environment's state (defaults before the first `up`). */
export function localInventory(state: LocalState): Inventory {
  const services = state.services;
  const inventory: Inventory = {
    name: 'local',
    mysql: {
      database: 'app',
      master: localMysqlNode(state, state.mysql.master),
      slaves: state.mysql.slaves.map((n) => localMysqlNode(state, n)),
      fenced: state.mysql.fenced.map((n) => localMysqlNode(state, n)),
      admin: { user: 'admin', password: 'local:mysql-admin' },
      replication: { user: 'repl', password: 'local:mysql-repl' },
      app: { user: 'app', password: 'local:mysql-app' },
      migrate: { user: 'app_migrate', password: 'local:mysql-migrate' },
      monitor: { user: 'monitor', password: 'local:mysql-monitor' },
      exporter: { user: 'exporter', password: 'local:mysql-exporter' },
      semisync: { timeoutMs: 10_000, waitPoint: 'AFTER_SYNC' },
      maxLagSeconds: 5,
    },
    redis: { host: services.redis?.host ?? localHost, port: services.redis?.port ?? 6379 },
    rabbitmq: {
      host: services.rabbitmq?.host ?? localHost,
      port: services.rabbitmq?.port ?? 5672,
      credential: { user: 'guest', password: 'local:rabbitmq-password' },
    },
  };
  if (state.haproxy) {
    const { host, writerPort, readerPort, adminSocket } = state.haproxy;
    inventory.haproxy = { host, writerPort, readerPort, adminSocket };
  }
  const front = services.nginx ?? services.app;
  if (front) {
    const instances = (['app', 'app-2'] as const).flatMap((name) => {
      const s = services[name];
      return s ? [{ name, host: s.host, port: s.port }] : [];
    });
    inventory.app = { url: `http://${front.host}:${front.port}`, ...(services.nginx ? { instances } : {}) };
  }
  if (services.tarantool) {
    inventory.tarantool = {
      host: services.tarantool.host,
      port: services.tarantool.port,
      credential: { user: 'admin', password: 'local:tarantool-admin' },
      appCredential: { user: 'app', password: 'local:tarantool-app' },
      replicatorCredential: { user: 'replicator', password: 'local:mysql-replicator' },
    };
  }
  const prometheus = state.monitoring?.prometheus;
  if (prometheus) inventory.prometheus = { host: prometheus.host, port: prometheus.port };
  const alertmanager = state.monitoring?.alertmanager;
  if (alertmanager) inventory.alertmanager = { host: alertmanager.host, port: alertmanager.port };
  if (services['binlog-archive'])
    inventory.binlogArchive = {
      user: archiveCredential.user,
      dir: resolve(binlogArchiveDir(backupRoot(stateDir()))),
    };
  if (services.clickhouse)
    inventory.clickhouse = { host: services.clickhouse.host, httpPort: services.clickhouse.port };
  return inventory;
}

export class LocalInventorySource implements InventorySource {
  readonly env = 'local';
  get origin(): string {
    return stateFile();
  }
  get stateDir(): string {
    return stateDir();
  }

  async load(): Promise<Inventory> {
    return validateInventory(localInventory(loadState()), 'local');
  }

  async saveTopology(topology: Topology): Promise<void> {
    updateState((state) => {
      state.mysql.master = topology.master.name;
      state.mysql.slaves = topology.slaves.map((n) => n.name);
      state.mysql.fenced = topology.fenced.map((n) => n.name);
    });
  }
}
