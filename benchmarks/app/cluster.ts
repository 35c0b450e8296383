import type { MysqlTarget } from '../../app/src/ops.ts';
import type { Inventory } from '../../toolkit/inventory/schema.ts';
import { resolveSecret } from '../../toolkit/inventory/secrets.ts';
import { startTestCluster, type TestCluster } from '../../toolkit/local/testing.ts';
import { MysqlSession } from '../../toolkit/mysql/session.ts';

/**
 * A throwaway master + 2 semi-sync slaves for the benchmarks, with the local environment's 256M
 * buffer pool (test clusters start with 32M), and the app account's connection target on the master.
 */
export async function startBenchCluster(): Promise<{
  cluster: TestCluster;
  inventory: Inventory;
  target: MysqlTarget;
}> {
  const cluster = await startTestCluster();
  const inventory = cluster.inventory();
  for (const node of [inventory.mysql.master, ...inventory.mysql.slaves]) {
    const session = await MysqlSession.open(node, inventory.mysql.admin);
    await session.exec('SET GLOBAL innodb_buffer_pool_size = 268435456');
    await session.close();
  }
  const { master, database, app } = inventory.mysql;
  const target = {
    host: master.host,
    port: master.port,
    user: app.user,
    password: resolveSecret(app.password),
    database,
  };
  return { cluster, inventory, target };
}
