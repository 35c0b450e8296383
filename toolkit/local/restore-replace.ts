import { renameSync } from 'node:fs';
import { discardRestoredServer, restoredPaths } from '../backup/instance.ts';
import type { NodeReplacer } from '../backup/restore.ts';
import type { Inventory } from '../inventory/schema.ts';
import type { Run } from '../procedure/run.ts';
import { findServerBinaries, nodePaths, startNode, stopNode, waitUntilServing } from './mysql-node.ts';
import { loadState, updateState } from './state.ts';

/**
 * restore.mjs --replace on the local environment: the fenced node is stopped, its data dir kept aside
 * (data.replaced-<time>), the restored one moved in, and the node started again with its own config
 * (its server id, and read_only from conf.d: it stays fenced until an operator promotes or rejoins it).
 */
export const localNodeReplacer: NodeReplacer = {
  async replace(run: Run, name: string, server): Promise<void> {
    await run.action('data dir replaced', name, `swap ${name}'s data dir for ${server.name}'s`, async () => {
      const node = () => loadState().mysql.nodes.find((n) => n.name === name)!;
      await discardRestoredServer(server, false);
      await stopNode(node());
      const paths = nodePaths(name);
      const aside = `${paths.data}.replaced-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      renameSync(paths.data, aside);
      renameSync(restoredPaths(server.dir).data, paths.data);
      const pid = startNode(findServerBinaries(), node());
      updateState((state) => {
        state.mysql.nodes.find((n) => n.name === name)!.pid = pid;
      });
      await waitUntilServing(node(), pid);
      return `${name} runs on the restored data (GTID ${server.gtid}), pid ${pid}, still fenced; old data kept in ${aside}`;
    });
  },
};

export function localNodeReplacerFor(inventory: Inventory): NodeReplacer | undefined {
  return inventory.name === 'local' ? localNodeReplacer : undefined;
}
