// A throwaway replicating MySQL cluster (master + slaves, mariadbd) as a command, for tests that may not
// import the toolkit (the app's: app/test-support/mysql-cluster.ts runs it, named by vitest.config.ts).
//   node --import tsx toolkit/local/test-cluster-main.ts start [--slaves N]   prints one JSON line
//   node --import tsx toolkit/local/test-cluster-main.ts stop <state dir>
// The JSON carries the cluster's generated test passwords: it goes to the parent's pipe, never to a log.
import { parseArgs } from 'node:util';
import { keepTempDir } from '../../lib/temp-dirs.ts';
import { resolveSecret } from '../inventory/secrets.ts';
import { startTestCluster, stopTestCluster } from './testing.ts';

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    options: { slaves: { type: 'string', default: '2' } },
    allowPositionals: true,
  });
  const [command, stateDir] = positionals;
  if (command === 'stop' && stateDir) {
    await stopTestCluster(stateDir);
    return 0;
  }
  const slaves = Number(values.slaves);
  if (command !== 'start' || !Number.isInteger(slaves) || slaves < 0 || slaves > 4) {
    process.stderr.write('usage: test-cluster-main.ts start [--slaves 0..4] | stop <state dir>\n');
    return 2;
  }
  const cluster = await startTestCluster({ slaves });
  // The servers outlive this command: their data must not go with its temp dirs at exit ('stop' removes it).
  keepTempDir(cluster.stateDir);
  const { mysql } = cluster.inventory();
  const login = (c: { user: string; password: string }) => ({
    user: c.user,
    password: resolveSecret(c.password),
  });
  const endpoint = (n: { host: string; port: number }) => ({ host: n.host, port: n.port });
  const described = {
    stateDir: cluster.stateDir,
    env: Object.fromEntries(
      Object.entries(cluster.env).filter(([k]) => k.startsWith('TOOLKIT_') || k.startsWith('LOCAL_MYSQL_')),
    ),
    database: mysql.database,
    master: endpoint(mysql.master),
    slaves: mysql.slaves.map(endpoint),
    admin: login(mysql.admin),
    app: login(mysql.app),
    migrate: login(mysql.migrate!),
  };
  process.stdout.write(`${JSON.stringify(described)}\n`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`test cluster: ${(error as Error).message}\n`);
    process.exitCode = 1;
  },
);
