import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { ReplicatorState, ReplicatorStatus } from './engine.ts';

const states: ReplicatorState[] = ['connecting', 'loading', 'streaming', 'reconnecting', 'stopped'];

/**
 * The replicator's metrics, read from its status at each scrape: lag in seconds and in transactions,
 * what it applied, how often it reconnected, its state and the server it reads. Counters follow the
 * status's totals (they only grow within one process; a restart starts them at 0, as Prometheus expects).
 */
export function replicatorRegistry(status: () => ReplicatorStatus): Registry {
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry, prefix: 'replicator_' });
  const total = (name: string, help: string, read: (s: ReplicatorStatus) => number) =>
    new Counter({
      name,
      help,
      registers,
      collect() {
        this.reset();
        this.inc(read(status()));
      },
    });
  total(
    'replicator_applied_rows_total',
    'Row events applied to Tarantool (the initial load included)',
    (s) => s.appliedRows,
  );
  total(
    'replicator_applied_transactions_total',
    'Binlog transactions applied to Tarantool',
    (s) => s.appliedTransactions,
  );
  total(
    'replicator_reconnects_total',
    'Sessions that ended in an error and were started again',
    (s) => s.reconnects,
  );
  new Gauge({
    name: 'replicator_lag_seconds',
    help: 'Age of the oldest binlog event received and not yet applied; 0 when caught up',
    registers,
    collect() {
      this.set(status().lagSeconds);
    },
  });
  new Gauge({
    name: 'replicator_lag_transactions',
    help: 'Whole transactions received from the binlog and not yet applied',
    registers,
    collect() {
      this.set(status().queuedTransactions);
    },
  });
  new Gauge({
    name: 'replicator_state',
    help: 'The replicator state: 1 for the current one',
    labelNames: ['state'] as const,
    registers,
    collect() {
      const now = status().state;
      for (const state of states) this.set({ state }, state === now ? 1 : 0);
    },
  });
  new Gauge({
    name: 'replicator_source_info',
    help: 'The address the replicator reads the binlog from and the server_id behind it (always 1)',
    labelNames: ['address', 'server_id'] as const,
    registers,
    collect() {
      this.reset();
      const source = status().source;
      if (source) this.set({ address: source.address, server_id: String(source.serverId) }, 1);
    },
  });
  return registry;
}
