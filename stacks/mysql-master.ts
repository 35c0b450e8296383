/**
 * The stack's initial MySQL master (`mysqlMaster`, `db` on the app host by default): the node HAProxy's
 * writer opens until a promotion records a topology epoch, then the health agent follows the epoch by
 * itself (docs/haproxy.md "Follow mode"). No change is needed after a failover.
 */
export const defaultMaster = 'db';

/**
 * The master and the slaves once `name` is the master: that node out of the slaves, the stack's first
 * master (`db`) first among them (after a failover it is fenced until `replication.mjs --rejoin`; to
 * HAProxy it is a node like any other, in maint on the writer and down on the reader until it replicates).
 */
export function placeMaster<T extends { name: string }>(
  first: T,
  slaves: T[],
  name: string,
): { master: T; slaves: T[] } {
  if (name === first.name) return { master: first, slaves };
  const promoted = slaves.find((s) => s.name === name);
  if (!promoted)
    throw new Error(
      `stack config mysqlMaster: ${name} is not a MySQL node of this stack (${[first, ...slaves].map((n) => n.name).join(', ')})`,
    );
  return { master: promoted, slaves: [first, ...slaves.filter((s) => s !== promoted)] };
}
