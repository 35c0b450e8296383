// One process from the app image, on the host's network: `docker run` where a daemon answers, else
// `buildah from` + `buildah run --isolation=chroot --network host` (podman run cannot raise rlimits in this
// sandbox; buildah run needs no daemon and no new limits). Secrets go in as files (`NAME_FILE`, read by the
// app and the replicator alike), so no password is in any process's arguments or in the engine's config.
import { type ChildProcess, spawn } from 'node:child_process';
import {
  chownSync,
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { waitFor } from '../../lib/poll.ts';
import { ToolkitError } from '../procedure/errors.ts';
import type { Engine } from './engine.ts';

/** The image's user (the base image's `node`): secret files must be readable by it. */
const imageUid = 1000;

export interface ContainerSpec {
  image: string;
  /** Unique per run: the engine's container name. */
  name: string;
  /** The command; the image's CMD when absent (buildah run needs it spelled out: pass inspectImage's cmd). */
  command: string[];
  env: Record<string, string>;
  /** Each becomes a read-only file /run/secrets/<name> and `<NAME>_FILE` points at it. */
  secrets: Record<string, string>;
  /** Read-only files or folders of this host, at a path in the container. */
  mounts: Array<{ source: string; target: string }>;
  /** Where the secret files are written (a private folder of the caller) and the container's output goes. */
  workDir: string;
}

export interface RunningContainer {
  name: string;
  /** When the engine's run command was started (start-to-ready counts from here). */
  startedAt: number;
  logFile: string;
  /** Resolves with the exit code (or the signal's name) once the container's process has ended. */
  exited: Promise<number | string>;
  /** SIGTERM to the container's process, the exit awaited for timeoutMs, then SIGKILL; the container removed. */
  stop(timeoutMs?: number): Promise<number | string>;
}

export async function startContainer(engine: Engine, spec: ContainerSpec): Promise<RunningContainer> {
  const secretsDir = join(spec.workDir, `${spec.name}-secrets`);
  mkdirSync(secretsDir, { recursive: true, mode: 0o700 });
  const env = { ...spec.env };
  const mounts = [...spec.mounts];
  for (const [name, value] of Object.entries(spec.secrets)) {
    const file = join(secretsDir, name);
    writeFileSync(file, `${value}\n`, { mode: 0o400 });
    chownSync(file, imageUid, imageUid);
    mounts.push({ source: file, target: `/run/secrets/${name}` });
    env[`${name}_FILE`] = `/run/secrets/${name}`;
  }
  const logFile = join(spec.workDir, `${spec.name}.log`);
  // The run command gets a process group of its own (detached): a Ctrl-C at the terminal reaches this
  // process, which stops the container with SIGTERM, and not buildah, which would kill it outright.
  const log = openSync(logFile, 'a');
  const envArgs = Object.entries(env).flatMap(([k, v]) => ['--env', `${k}=${v}`]);
  const mountArgs = mounts.flatMap((m) => ['--volume', `${m.source}:${m.target}:ro`]);
  let child: ChildProcess;
  let startedAt: number;
  try {
    if (engine.name === 'docker') {
      startedAt = Date.now();
      child = spawn(
        engine.binary,
        [
          'run',
          '--name',
          spec.name,
          '--network',
          'host',
          ...envArgs,
          ...mountArgs,
          spec.image,
          ...spec.command,
        ],
        { stdio: ['ignore', log, log], detached: true },
      );
    } else {
      await execa(engine.binary, ['from', '--name', spec.name, spec.image], { timeout: 120_000 });
      startedAt = Date.now();
      child = spawn(
        engine.binary,
        [
          'run',
          '--isolation=chroot',
          '--network',
          'host',
          ...envArgs,
          ...mountArgs,
          spec.name,
          '--',
          ...spec.command,
        ],
        { stdio: ['ignore', log, log], detached: true },
      );
    }
  } finally {
    closeSync(log);
  }
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
    child.once('error', (error) => resolve(`could not start: ${error.message}`));
  });
  let ended: number | string | undefined;
  void exited.then((result) => {
    ended = result;
  });
  const remove = async () => {
    const args = engine.name === 'docker' ? ['rm', '--force', spec.name] : ['rm', spec.name];
    await execa(engine.binary, args, { reject: false, timeout: 120_000 });
    rmSync(secretsDir, { recursive: true, force: true });
  };
  return {
    name: spec.name,
    startedAt,
    logFile,
    exited,
    stop: async (timeoutMs = 30_000) => {
      if (ended === undefined) {
        if (engine.name === 'docker')
          await execa(engine.binary, ['kill', '--signal', 'TERM', spec.name], { reject: false });
        else signalContainerProcess(child.pid, 'SIGTERM');
        try {
          await waitFor(async () => ended, {
            timeoutMs,
            what: `container ${spec.name} to exit after SIGTERM`,
          });
        } catch {
          if (engine.name === 'docker') await execa(engine.binary, ['kill', spec.name], { reject: false });
          else child.kill('SIGKILL');
        }
      }
      const result = await exited;
      await remove();
      return result;
    },
  };
}

/**
 * buildah run (chroot isolation) forwards no signal: killing it kills the container's process outright. An
 * orchestrator signals the container's first process, so this does too: the command buildah-chroot-exec
 * started, found among the run's descendants (chroot isolation shares this host's pid namespace).
 */
function signalContainerProcess(runPid: number | undefined, signal: NodeJS.Signals): void {
  const pid =
    runPid === undefined
      ? undefined
      : descendants(runPid).find((p) => argv0(parentOf(p)) === 'buildah-chroot-exec');
  if (pid === undefined) throw new ToolkitError(`no container process under buildah run (pid ${runPid})`);
  process.kill(pid, signal);
}

function parentOf(pid: number): number {
  try {
    // The command name (field 2) may hold spaces and parentheses: the fields after its last ')' are plain.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return -1;
  }
}

function argv0(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '';
  } catch {
    return '';
  }
}

function descendants(root: number): number[] {
  const parents = new Map(
    readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .map((d) => [Number(d), parentOf(Number(d))] as const),
  );
  const found: number[] = [];
  const walk = (parent: number) => {
    for (const [pid, ppid] of parents) {
      if (ppid !== parent) continue;
      found.push(pid);
      walk(pid);
    }
  };
  walk(root);
  return found;
}

/** Runs a one-off command in the image (no network), returning its output: for inspecting what the image holds. */
export async function runInImage(engine: Engine, image: string, command: string[]): Promise<string> {
  if (engine.name === 'docker') {
    const result = await execa(engine.binary, ['run', '--rm', '--network', 'none', image, ...command], {
      reject: false,
      timeout: 120_000,
    });
    if (result.exitCode !== 0) throw new ToolkitError(`in the image: ${command.join(' ')}: ${result.stderr}`);
    return result.stdout;
  }
  const name = `probe-${process.pid}-${Date.now()}`;
  await execa(engine.binary, ['from', '--name', name, image], { timeout: 120_000 });
  try {
    const result = await execa(
      engine.binary,
      ['run', '--isolation=chroot', '--network', 'host', name, '--', ...command],
      { reject: false, timeout: 120_000 },
    );
    if (result.exitCode !== 0) throw new ToolkitError(`in the image: ${command.join(' ')}: ${result.stderr}`);
    return result.stdout;
  } finally {
    await execa(engine.binary, ['rm', name], { reject: false, timeout: 120_000 });
  }
}
