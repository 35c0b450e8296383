// The container engine that builds and runs the app image: Docker where a daemon answers, else buildah
// (daemonless; Debian's package). podman is used only to import a root filesystem as an image.
import { execa } from 'execa';
import { findBinary } from '../host/binaries.ts';
import { ToolkitError } from '../procedure/errors.ts';

export type EngineName = 'docker' | 'buildah';

export interface Engine {
  name: EngineName;
  binary: string;
}

/**
 * Docker when its daemon answers (a docker CLI alone, without an engine, does not count), else buildah;
 * undefined when neither can build.
 */
export async function detectEngine(): Promise<Engine | undefined> {
  const docker = findBinary(['docker']);
  if (docker) {
    const info = await execa(docker, ['info', '--format', '{{.ServerVersion}}'], {
      reject: false,
      timeout: 15_000,
    });
    if (info.exitCode === 0 && info.stdout.trim()) return { name: 'docker', binary: docker };
  }
  const buildah = findBinary(['buildah']);
  return buildah ? { name: 'buildah', binary: buildah } : undefined;
}

export async function requireEngine(): Promise<Engine> {
  const engine = await detectEngine();
  if (!engine)
    throw new ToolkitError(
      'no container engine: neither a Docker daemon nor buildah here (npm run setup installs buildah and podman)',
    );
  return engine;
}

/** Runs the engine's command and returns its stdout; a failure becomes one line with the command's last error line. */
export async function engineOutput(engine: Engine, args: string[], timeoutMs = 60_000): Promise<string> {
  const result = await execa(engine.binary, args, { reject: false, timeout: timeoutMs });
  if (result.exitCode !== 0) {
    const lastLine =
      `${result.stderr}`
        .trim()
        .split('\n')
        .filter((line) => line.trim())
        .pop() ?? `exit ${result.exitCode}`;
    throw new ToolkitError(`${engine.name} ${args[0]}: ${lastLine}`);
  }
  return `${result.stdout}`;
}

/** Whether the engine's local storage holds the image. */
export async function imageExists(engine: Engine, image: string): Promise<boolean> {
  const args = engine.name === 'docker' ? ['image', 'inspect', image] : ['inspect', '--type', 'image', image];
  const result = await execa(engine.binary, args, { reject: false, timeout: 60_000 });
  return result.exitCode === 0;
}

/** What the image's configuration says (Docker's `Config` shape): user, command, health check, env. */
export interface ImageConfig {
  id: string;
  sizeBytes: number;
  user: string;
  cmd: string[];
  workingDir: string;
  env: string[];
  healthcheck: string[] | undefined;
  labels: Record<string, string>;
}

export async function inspectImage(engine: Engine, image: string): Promise<ImageConfig> {
  if (engine.name === 'docker') {
    const [parsed] = JSON.parse(await engineOutput(engine, ['image', 'inspect', image])) as Array<{
      Id: string;
      Size: number;
      Config: DockerConfig;
    }>;
    if (!parsed) throw new ToolkitError(`docker image inspect: no image ${image}`);
    return fromDockerConfig(parsed.Id, parsed.Size, parsed.Config);
  }
  const parsed = JSON.parse(await engineOutput(engine, ['inspect', '--type', 'image', image])) as {
    FromImageID: string;
    Docker: { config: DockerConfig };
  };
  return fromDockerConfig(parsed.FromImageID, await buildahImageSize(engine, image), parsed.Docker.config);
}

interface DockerConfig {
  User?: string;
  Cmd?: string[] | null;
  WorkingDir?: string;
  Env?: string[] | null;
  Healthcheck?: { Test?: string[] } | null;
  Labels?: Record<string, string> | null;
}

function fromDockerConfig(id: string, sizeBytes: number, config: DockerConfig): ImageConfig {
  return {
    id,
    sizeBytes,
    user: config.User ?? '',
    cmd: config.Cmd ?? [],
    workingDir: config.WorkingDir ?? '/',
    env: config.Env ?? [],
    healthcheck: config.Healthcheck?.Test ?? undefined,
    labels: config.Labels ?? {},
  };
}

/** The image's size unpacked, in bytes: podman reads the same storage and says it exactly; buildah rounds. */
async function buildahImageSize(engine: Engine, image: string): Promise<number> {
  const podman = findBinary(['podman']);
  if (podman) {
    const size = await execa(podman, ['image', 'inspect', '--format', '{{.Size}}', image], { reject: false });
    if (size.exitCode === 0 && /^\d+$/.test(size.stdout.trim())) return Number(size.stdout.trim());
  }
  const [row] = JSON.parse(await engineOutput(engine, ['images', '--json', image])) as Array<{
    size: string;
  }>;
  const match = /^([\d.]+)\s*([kMG]?B)$/.exec(row?.size ?? '');
  if (!match) throw new ToolkitError(`buildah images: no size for ${image}`);
  const unit = { B: 1, kB: 1e3, MB: 1e6, GB: 1e9 }[match[2] as 'B' | 'kB' | 'MB' | 'GB'];
  return Math.round(Number(match[1]) * unit);
}
