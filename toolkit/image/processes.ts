// The image's processes started as a deployment starts them: the migrations (its `migrate` command, as the
// migrations' account, run to the end), the app (the image's CMD, the rows-only account) and the Tarantool
// replicator and the HAProxy health agent (same image, other commands, the shared configs mounted).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../../lib/poll.ts';
import { repoRoot } from '../inventory/paths.ts';
import { ToolkitError } from '../procedure/errors.ts';
import { type RunningContainer, startContainer } from './container.ts';
import type { Engine } from './engine.ts';

/** The migrations' command in the image, as compose's and the stacks' `migrate` container runs it. */
export const migrateCommand = ['node', 'app/src/cli.js', 'migrate'];

/** Runs the image's migrate command to its end; its output, or a one-line error with the output's tail. */
export async function runMigrateContainer(
  engine: Engine,
  options: { image: string; env: Record<string, string>; workDir: string; name: string },
): Promise<{ output: string; ms: number }> {
  const { env, secrets } = split(options.env);
  const container = await startContainer(engine, {
    image: options.image,
    name: options.name,
    command: migrateCommand,
    env,
    secrets,
    mounts: [],
    workDir: options.workDir,
  });
  let exit: number | string | undefined;
  void container.exited.then((code) => {
    exit = code;
  });
  try {
    await waitFor(async () => exit, { timeoutMs: 180_000, what: 'the migrate container to finish' });
  } finally {
    await container.stop(10_000);
  }
  const output = readFileSync(container.logFile, 'utf8').trim();
  if (exit !== 0) throw new ToolkitError(`the migrate container exited ${exit}: ${logTail(container)}`);
  return { output, ms: Date.now() - container.startedAt };
}

/** The replicator's command in the image; compose and the stacks give the same (stacks/app-image.test.ts). */
export const replicatorCommand = [
  'node',
  'toolkit/tarantool/replicator/main.js',
  '--config',
  '/etc/replicator.yml',
];
const replicatorConfig = join(repoRoot, 'compose', 'tarantool', 'replicator.yml');

/** Names whose values are secrets: they go in as files (NAME_FILE), never as plain variables. */
const isSecret = (name: string) => /(PASSWORD|SECRET)$/.test(name);

function split(env: Record<string, string>): {
  env: Record<string, string>;
  secrets: Record<string, string>;
} {
  const entries = Object.entries(env);
  return {
    env: Object.fromEntries(entries.filter(([k]) => !isSecret(k))),
    secrets: Object.fromEntries(entries.filter(([k]) => isSecret(k))),
  };
}

export interface StartedApp {
  container: RunningContainer;
  baseUrl: string;
  /** From the engine's run command to the first 200 of /ready. */
  startToReadyMs: number;
}

/** Starts the app from the image with its own CMD on 127.0.0.1:port and waits until /ready answers 200. */
export async function startAppContainer(
  engine: Engine,
  options: {
    image: string;
    cmd: string[];
    env: Record<string, string>;
    port: number;
    workDir: string;
    name: string;
  },
): Promise<StartedApp> {
  const { env, secrets } = split({ ...options.env, APP_HOST: '127.0.0.1', APP_PORT: String(options.port) });
  const container = await startContainer(engine, {
    image: options.image,
    name: options.name,
    command: options.cmd,
    env,
    secrets,
    mounts: [],
    workDir: options.workDir,
  });
  const baseUrl = `http://127.0.0.1:${options.port}`;
  let exit: number | string | undefined;
  void container.exited.then((code) => {
    exit = code;
  });
  try {
    await waitFor(
      async (why) => {
        if (exit !== undefined)
          throw new ToolkitError(`the app container exited (${exit}): ${logTail(container)}`);
        const response = await fetch(`${baseUrl}/ready`, { signal: AbortSignal.timeout(2000) }).catch(
          (error: Error) => {
            why(error.message);
            return undefined;
          },
        );
        if (response?.status === 200) return true;
        if (response) why(`/ready answered ${response.status}: ${await response.text()}`);
        return undefined;
      },
      { timeoutMs: 180_000, intervalMs: 100, what: `the app container on port ${options.port} to be ready` },
    );
  } catch (error) {
    await container.stop(10_000);
    throw error;
  }
  return { container, baseUrl, startToReadyMs: Date.now() - container.startedAt };
}

/** Starts the replicator from the image with the shared replicator.yml; env as compose gives it. */
export async function startReplicatorContainer(
  engine: Engine,
  options: { image: string; env: Record<string, string>; workDir: string; name: string },
): Promise<RunningContainer> {
  const { env, secrets } = split(options.env);
  return startContainer(engine, {
    image: options.image,
    name: options.name,
    command: replicatorCommand,
    env,
    secrets,
    mounts: [{ source: replicatorConfig, target: '/etc/replicator.yml' }],
    workDir: options.workDir,
  });
}

/** HAProxy's health agent's command in the image; compose gives the same (stacks/app-image.test.ts). */
export const agentCommand = ['node', 'toolkit/haproxy/agent/main.js', '--config', '/etc/haproxy-agent.yml'];

/**
 * Starts the health agent from the image with the given config file (rendered by the caller, as compose's
 * is by toolkit/haproxy/compose-config.ts); the monitor password goes in as a secret file.
 */
export async function startAgentContainer(
  engine: Engine,
  options: { image: string; config: string; env: Record<string, string>; workDir: string; name: string },
): Promise<RunningContainer> {
  const { env, secrets } = split(options.env);
  return startContainer(engine, {
    image: options.image,
    name: options.name,
    command: agentCommand,
    env,
    secrets,
    mounts: [{ source: options.config, target: agentCommand[3]! }],
    workDir: options.workDir,
  });
}

export function logTail(container: RunningContainer, lines = 5): string {
  try {
    return readFileSync(container.logFile, 'utf8').trim().split('\n').slice(-lines).join(' | ');
  } catch {
    return '(no output)';
  }
}
