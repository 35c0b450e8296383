import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stateDir } from '../inventory/paths.ts';

export interface LocalMysqlNode {
  name: string;
  port: number;
  serverId: number;
  pid?: number;
}

export interface LocalService {
  host: string;
  port: number;
  /** Set only when the local environment started the process itself (and so may stop it). */
  pid?: number;
  owned: boolean;
  /** For a client such as the replicator: the host:port it was started against. */
  source?: string;
  /** A hash of the environment the process was started with: a different one means restart it. */
  configHash?: string;
}

/** What the local environment runs and where: the source of the `local` inventory. */
export interface LocalState {
  mysql: { master: string; slaves: string[]; fenced: string[]; nodes: LocalMysqlNode[] };
  services: Partial<
    Record<
      | 'redis'
      | 'rabbitmq'
      | 'app'
      | 'app-2'
      | 'nginx'
      | 'tarantool'
      | 'replicator'
      | 'clickhouse'
      | 'binlog-archive',
      LocalService
    >
  >;
  /** HAProxy in front of MySQL, once `up` started it (toolkit/local/haproxy-component.ts). */
  haproxy?: LocalHaproxy;
  /**
   * Prometheus and its exporters by name (toolkit/local/prometheus-component.ts); Prometheus's `source`
   * is the hash of the config and rules it last loaded.
   */
  monitoring?: Record<string, LocalService>;
}

export interface LocalHaproxy {
  host: string;
  writerPort: number;
  readerPort: number;
  agentPort: number;
  adminSocket: string;
}

export function stateFile(): string {
  return join(stateDir(), 'state.json');
}

export function nodeDir(name: string): string {
  return join(stateDir(), 'mysql', name);
}

export function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw new Error(`${name} must be a port number or count, got '${raw}'`);
  return n;
}

/** The layout a fresh local environment gets: the seed's ports 10100.. unless LOCAL_MYSQL_PORT moves them. */
export function defaultState(): LocalState {
  const base = envInt('LOCAL_MYSQL_PORT', 10100);
  const slaves = envInt('LOCAL_MYSQL_SLAVES', 2);
  const nodes = Array.from({ length: slaves + 1 }, (_, i) => ({
    name: `db${i + 1}`,
    port: base + i,
    serverId: i + 1,
  }));
  return {
    mysql: { master: 'db1', slaves: nodes.slice(1).map((n) => n.name), fenced: [], nodes },
    services: {},
  };
}

export function loadState(): LocalState {
  const file = stateFile();
  if (!existsSync(file)) return defaultState();
  return JSON.parse(readFileSync(file, 'utf8')) as LocalState;
}

export function hasState(): boolean {
  return existsSync(stateFile());
}

export function saveState(state: LocalState): void {
  mkdirSync(stateDir(), { recursive: true });
  const file = stateFile();
  writeFileSync(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

export function updateState(change: (state: LocalState) => void): LocalState {
  const state = loadState();
  change(state);
  saveState(state);
  return state;
}
