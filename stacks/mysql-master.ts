/**
 * Which MySQL node is the master (`mysqlMaster`): `db` on the app host, as the stack creates it, until a
 * failover promotes a slave. The stack's HAProxy opens that node as its writer (every other node's
 * writer server stays in maint) and the inventory output names it master, so the next `pulumi up`
 * (which may recreate HAProxy from its config) keeps writes where the failover put them.
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
