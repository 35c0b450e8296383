import type { Inventory, MysqlNode } from './schema.ts';

export interface Topology {
  master: MysqlNode;
  slaves: MysqlNode[];
  fenced: MysqlNode[];
}

/** Where an environment's inventory comes from, and where a changed topology (after failover) is written. */
export interface InventorySource {
  readonly env: string;
  /** For messages: the file or state it reads. */
  readonly origin: string;
  /** Where operations on this environment keep their lock and audit log (gitignored). */
  readonly stateDir: string;
  /**
   * The Pulumi stack that made the environment's machines, when one did: no runbook reaches its HAProxy,
   * whose health agent follows the topology epoch to the writer (toolkit/mysql/stack-writer.ts).
   */
  readonly pulumiStack?: string;
  load(): Promise<Inventory>;
  saveTopology(topology: Topology): Promise<void>;
}

export function topologyOf(inventory: Inventory): Topology {
  return {
    master: inventory.mysql.master,
    slaves: inventory.mysql.slaves,
    fenced: inventory.mysql.fenced ?? [],
  };
}
