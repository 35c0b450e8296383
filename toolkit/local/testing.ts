import { rmSync } from 'node:fs';
import { freePorts } from '../../lib/net.ts';
import { makeTempDir } from '../../lib/temp-dirs.ts';
import type { Inventory } from '../inventory/schema.ts';
import { MysqlSession } from '../mysql/session.ts';
import { createReporter } from '../procedure/reporter.ts';
import { Run } from '../procedure/run.ts';
import type { RunbookReport } from '../procedure/types.ts';
import { localInventory, localMysqlNode } from './inventory.ts';
import { mysqlComponent, startMysqlNodes } from './mysql-component.ts';
import { ensureLocalSecrets } from './secrets-file.ts';
import { loadState, saveState } from './state.ts';

export interface TestCluster {
  stateDir: string;
  basePort: number;
  /** Environment for child processes (runbooks run as `npx zx`) so they act on this cluster. */
  env: NodeJS.ProcessEnv;
  inventory(): Inventory;
  /** An admin session to a node of the current topology by name; closed by stop(). */
  session(name: string): Promise<MysqlSession>;
  stop(): Promise<void>;
}

export function quietRun(name = 'test'): Run {
  return new Run({ runbook: name, env: 'local', dryRun: false, reporter: createReporter('json') });
}

/**
 * A throwaway local environment for one test file: its own state dir, ports and mariadbd
 * processes. `replicating` runs the full `up` path (replication and semi-sync); `bare` leaves
 * servers that know nothing of each other, for tests of the runbooks themselves.
 * It sets TOOLKIT_STATE_DIR and LOCAL_MYSQL_PORT in this process: one cluster per test file.
 */
export async function startTestCluster(
  options: { slaves?: number; mode?: 'bare' | 'replicating'; basePort?: number } = {},
): Promise<TestCluster> {
  const slaves = options.slaves ?? 2;
  const stateDir = makeTempDir('toolkit-test-');
  // A test given a range of ports of its own passes its first; others get a free block.
  const basePort = options.basePort ?? (await freePorts(slaves + 1));
  const env = {
    TOOLKIT_STATE_DIR: stateDir,
    LOCAL_MYSQL_PORT: String(basePort),
    LOCAL_MYSQL_SLAVES: String(slaves),
    LOCAL_MYSQL_BUFFER_POOL: '32M',
    // Metrics listeners (a replicator's, say) of parallel test files must not meet on the default ports.
    LOCAL_METRICS_PORT: process.env.LOCAL_METRICS_PORT ?? String(await freePorts(20)),
    LOCAL_PROMETHEUS_PORT: process.env.LOCAL_PROMETHEUS_PORT ?? String(await freePorts(1)),
    LOCAL_ALERTMANAGER_PORT: process.env.LOCAL_ALERTMANAGER_PORT ?? String(await freePorts(1)),
  };
  Object.assign(process.env, env);
  saveState(loadState());
  const run = quietRun('test-cluster');
  try {
    await ensureLocalSecrets(run, { 'rabbitmq-password': 'guest' });
    if (options.mode === 'bare') await startMysqlNodes(run);
    else await mysqlComponent.up(run);
  } catch (error) {
    await run.close();
    await mysqlComponent.down(quietRun('test-cluster-down'), { wipe: false }).catch(() => {});
    throw new Error(
      `test cluster failed to start: ${(error as Error).message}; steps: ${JSON.stringify(run.report().steps.slice(-3))}`,
    );
  }
  await run.close();
  const sessions: MysqlSession[] = [];
  return {
    stateDir,
    basePort,
    env: { ...process.env, ...env },
    inventory: () => localInventory(loadState()),
    session: async (name) => {
      const session = await MysqlSession.open(
        localMysqlNode(loadState(), name),
        localInventory(loadState()).mysql.admin,
      );
      sessions.push(session);
      return session;
    },
    stop: async () => {
      for (const session of sessions.splice(0)) session.destroy();
      await stopTestCluster(stateDir);
    },
  };
}

/** Stops the servers of the test cluster in stateDir and deletes it (also from another process than its start). */
export async function stopTestCluster(stateDir: string): Promise<void> {
  process.env.TOOLKIT_STATE_DIR = stateDir;
  await mysqlComponent.down(quietRun('test-cluster-down'), { wipe: false });
  rmSync(stateDir, { recursive: true, force: true });
}

export interface RunbookResult {
  code: number;
  stdout: string;
  stderr: string;
  /** The --json report, when the runbook printed one. */
  report?: RunbookReport & { error?: string };
}

/** Runs a runbook exactly as a person would (`npx zx scripts/<name>.mjs ...`), against the given environment variables. */
export async function runRunbook(
  name: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<RunbookResult> {
  const { execa } = await import('execa');
  const { repoRoot } = await import('../inventory/paths.ts');
  const result = await execa('npx', ['zx', `scripts/${name}.mjs`, ...args], {
    cwd: repoRoot,
    env: { ...env, CI: 'true' },
    reject: false,
  });
  let report: RunbookResult['report'];
  if (args.includes('--json')) {
    try {
      report = JSON.parse(result.stdout.trim().split('\n').pop() ?? '');
    } catch {
      report = undefined;
    }
  }
  return { code: result.exitCode ?? 1, stdout: result.stdout, stderr: result.stderr, report };
}
