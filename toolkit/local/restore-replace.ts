import { renameSync } from 'node:fs';
import type { NodeReplacer } from '../backup/restore.ts';
import type { Inventory } from '../inventory/schema.ts';
import { findServerBinaries, nodePaths, startNode, stopNode, waitUntilServing } from './mysql-node.ts';
import { loadState, updateState } from './state.ts';

/**
 * Swaps a local node's data dir for a prepared one (restore.mjs --replace, replication.mjs --seed-from
 * backup): the node is stopped, its data dir kept aside (data.replaced-<time>), the new one moved in,
 * and the node started again with its own config (its server id, read_only from conf.d).
 */
export const localNodeReplacer: NodeReplacer = {
  async replaceDataDir(name: string, preparedDataDir: string): Promise<string> {
    const node = () => loadState().mysql.nodes.find((n) => n.name === name)!;
    await stopNode(node());
    const paths = nodePaths(name);
    const aside = `${paths.data}.replaced-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    renameSync(paths.data, aside);
    renameSync(preparedDataDir, paths.data);
    const pid = startNode(findServerBinaries(), node());
    updateState((state) => {
      state.mysql.nodes.find((n) => n.name === name)!.pid = pid;
    });
    await waitUntilServing(node(), pid, 180_000);
    return aside;
  },
};

export function localNodeReplacerFor(inventory: Inventory): NodeReplacer | undefined {
  return inventory.name === 'local' ? localNodeReplacer : undefined;
}
