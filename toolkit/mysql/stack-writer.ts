import type { Inventory } from '../inventory/schema.ts';
import type { InventorySource } from '../inventory/source.ts';
import { ToolkitError } from '../procedure/errors.ts';
import type { Run } from '../procedure/run.ts';
import type { EpochRecord } from './topology-epoch.ts';

/**
 * After a failover in an environment a Pulumi stack made: HAProxy runs on the stack's app host and its
 * runtime API is not reachable from here, but its health agent follows the writer itself
 * (toolkit/haproxy/agent/follower.ts, followWriter in the stack's agent config): it opens the writable
 * node claiming the highest topology epoch and isolates every other. So the step checks, through
 * MySQL, that the promoted node's epoch row names it, and says what the agent will do. The stack's
 * `mysqlMaster` stays the initial master: no config change or deploy is needed.
 */
export async function handOverStackWriter(
  run: Run,
  inventory: Inventory,
  source: InventorySource,
  master: string,
  epochOf: () => Promise<EpochRecord | undefined>,
): Promise<void> {
  const stack = source.pulumiStack;
  if (!stack || inventory.haproxy?.adminSocket) return;
  await run.check('haproxy writer (agent follows)', master, async () => {
    const record = await epochOf();
    if (record?.master !== master)
      throw new ToolkitError(
        `the topology epoch on ${master} names ${record ? `${record.master} (epoch ${record.epoch})` : 'no master'}: HAProxy's agent in stack ${stack} will not open it; rerun the failover`,
      );
    return `epoch ${record.epoch} names ${master}: HAProxy's health agent in stack ${stack} opens its writer once it polls it writable (about a second) and never reopens an older master`;
  });
  run.note(
    `HAProxy's writer in stack ${stack} follows ${master} by itself; mysqlMaster stays the initial master (no pulumi up needed)`,
  );
}
