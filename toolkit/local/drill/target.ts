import { rmSync } from 'node:fs';
import { execa } from 'execa';
import { freePorts } from '../../../lib/net.ts';
import { makeTempDir } from '../../../lib/temp-dirs.ts';
import { repoRoot } from '../../inventory/paths.ts';
import { ToolkitError } from '../../procedure/errors.ts';
import type { Run } from '../../procedure/run.ts';
import { appPort } from '../app-component.ts';
import { startEnvWatchdog } from '../env-watchdog.ts';
import { hasState, loadState } from '../state.ts';

export interface DrillTarget {
  description: string;
  /** Stops and deletes a throwaway environment; nothing for the local one. */
  close(): Promise<void>;
}

/** `npm run up`/`down` of the environment this process's variables name, as a person runs them. */
async function local(command: 'up' | 'down', ...args: string[]) {
  const result = await execa('npx', ['zx', 'scripts/local.mjs', command, ...args], {
    cwd: repoRoot,
    env: { ...process.env, CI: 'true' },
    reject: false,
  });
  return { code: result.exitCode ?? 1, output: `${result.stdout}\n${result.stderr}`.trim() };
}

/**
 * The environment the drill acts on: the local one as it is (it must be up), or with --throwaway a
 * whole local environment of its own in a temp dir on free ports (started with `up`, stopped and
 * deleted at the end). The variables of this process are pointed at the throwaway one, so the
 * toolkit's local state, inventory and components all act on it.
 */
export async function openTarget(run: Run, throwaway: boolean): Promise<DrillTarget> {
  if (!throwaway) {
    await run.check('environment', 'local', async () => {
      if (!hasState()) throw new ToolkitError('the local environment is not set up: run npm run up first');
      const s = loadState();
      const missing = (['app', 'app-2', 'nginx'] as const).filter((n) => !s.services[n]);
      if (!s.haproxy) missing.push('haproxy' as never);
      if (missing.length)
        throw new ToolkitError(`the local environment has no ${missing.join(', ')}: run npm run up first`);
      return `master ${s.mysql.master}, slaves ${s.mysql.slaves.join(', ')}, nginx on 127.0.0.1:${appPort()}`;
    });
    return { description: 'the local environment', close: async () => {} };
  }
  const stateDir = makeTempDir('toolkit-drill-');
  const base = await freePorts(14);
  // Every listener of its own, the metrics' too: a local environment (or another throwaway one) may run.
  const metrics = await freePorts(20);
  const monitoring = await freePorts(2);
  Object.assign(process.env, {
    LOCAL_METRICS_PORT: String(metrics),
    LOCAL_PROMETHEUS_PORT: String(monitoring),
    LOCAL_ALERTMANAGER_PORT: String(monitoring + 1),
    TOOLKIT_STATE_DIR: stateDir,
    LOCAL_MYSQL_PORT: String(base),
    LOCAL_MYSQL_SLAVES: '2',
    LOCAL_MYSQL_BUFFER_POOL: '32M',
    LOCAL_HAPROXY_WRITER_PORT: String(base + 3),
    LOCAL_HAPROXY_READER_PORT: String(base + 4),
    LOCAL_HAPROXY_AGENT_PORT: String(base + 5),
    LOCAL_REDIS_PORT: String(base + 6),
    LOCAL_RABBITMQ_PORT: String(base + 7),
    LOCAL_APP_PORT: String(base + 8),
    LOCAL_APP_INSTANCE_PORT: String(base + 9),
    LOCAL_TARANTOOL_PORT: String(base + 11),
    LOCAL_CLICKHOUSE_PORT: String(base + 12),
  });
  // Takes the environment down if this process dies without close() (a test timeout's SIGKILL).
  const watchdog = startEnvWatchdog(stateDir);
  const close = async () => {
    const down = await local('down', '--wipe', '--json');
    if (down.code !== 0) run.note(`throwaway environment: down failed: ${down.output.slice(-500)}`);
    rmSync(stateDir, { recursive: true, force: true });
    watchdog.stop();
  };
  try {
    await run.action(
      'throwaway environment',
      'local',
      `npm run up in ${stateDir}, ports ${base}..${base + 13}`,
      async () => {
        const up = await local('up', '--no-install', '--json');
        if (up.code !== 0)
          throw new ToolkitError(`up of the throwaway environment failed: ${up.output.slice(-800)}`);
        return `up in ${stateDir}: nginx on 127.0.0.1:${appPort()}, master ${loadState().mysql.master}`;
      },
    );
  } catch (error) {
    await close();
    throw error;
  }
  return { description: `a throwaway environment (${stateDir})`, close };
}
