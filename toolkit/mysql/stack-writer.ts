import type { Inventory } from '../inventory/schema.ts';
import type { InventorySource } from '../inventory/source.ts';
import type { Run } from '../procedure/run.ts';

/** The config change and deploy that move a stack's HAProxy writer to `master` (stacks/mysql-master.ts). */
export function moveWriterCommand(stack: string, master: string): string {
  return `pulumi config set mysqlMaster ${master} -s ${stack} && pulumi up -s ${stack}`;
}

/**
 * After a failover in an environment a Pulumi stack made: HAProxy runs on the stack's app host, its
 * runtime API is not reachable from here, and its config names the master (`mysqlMaster`). Until the
 * config says the new master and `pulumi up` recreates HAProxy with it, its writer has no server up
 * (the old master is fenced read_only, so the health agent keeps it down; the new master's writer
 * server is in maint): writes are refused, never sent to the old master. The step says exactly what to run.
 */
export async function handOverStackWriter(
  run: Run,
  inventory: Inventory,
  source: InventorySource,
  master: string,
): Promise<void> {
  const stack = source.pulumiStack;
  if (!stack || inventory.haproxy?.adminSocket) return;
  const command = moveWriterCommand(stack, master);
  await run.check(
    'haproxy writer (stack config)',
    stack,
    async () => `writes are refused until HAProxy opens ${master}: run ${command}`,
  );
  run.note(`HAProxy's writer in stack ${stack} still names the old master: ${command}`);
}
