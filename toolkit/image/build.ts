// Builds app/Dockerfile from the repository root with the engine there is, after making sure its base
// image exists (see base-image.ts). buildah needs `--format docker` to keep HEALTHCHECK (OCI has none).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { repoRoot } from '../inventory/paths.ts';
import { ToolkitError } from '../procedure/errors.ts';
import { type BaseImage, type BaseImageOrigin, baseImageOf, ensureBaseImage } from './base-image.ts';
import type { Engine } from './engine.ts';

/** The tag the toolkit gives the image it builds (deployments push their own: .github/workflows). */
export const appImageTag = 'localhost/social-app:local';
export const dockerfilePath = join(repoRoot, 'app', 'Dockerfile');

export interface BuildResult {
  image: string;
  base: BaseImage;
  baseOrigin: BaseImageOrigin;
  seconds: number;
}

export async function buildAppImage(
  engine: Engine,
  options: { tag?: string; logFile: string; log: (line: string) => void },
): Promise<BuildResult> {
  const tag = options.tag ?? appImageTag;
  const base = baseImageOf(readFileSync(dockerfilePath, 'utf8'));
  const baseOrigin = await ensureBaseImage(engine, base, options.log);
  const started = Date.now();
  const args =
    engine.name === 'docker'
      ? ['build', '-f', dockerfilePath, '-t', tag, repoRoot]
      : [
          'bud',
          '--isolation=chroot',
          '--network',
          'host',
          '--layers',
          '--format',
          'docker',
          ...(await npmConfigMounts()),
          '-f',
          dockerfilePath,
          '-t',
          tag,
          repoRoot,
        ];
  const result = await execa(engine.binary, args, {
    reject: false,
    timeout: 1_200_000,
    all: true,
  });
  writeFileSync(options.logFile, `${result.all ?? ''}\n`);
  if (result.exitCode !== 0) {
    const tail = `${result.all ?? ''}`.trim().split('\n').slice(-3).join(' | ');
    throw new ToolkitError(
      `${engine.name} build failed (exit ${result.exitCode}; ${options.logFile}): ${tail}`,
    );
  }
  return { image: tag, base, baseOrigin, seconds: Math.round((Date.now() - started) / 1000) };
}

/**
 * The build's `npm ci` must reach the registry as this machine's npm does: its global npmrc and the CA file
 * that names (a proxy's CA, say) are mounted read-only into the build steps, never copied into a layer.
 */
async function npmConfigMounts(): Promise<string[]> {
  const get = async (key: string) =>
    (await execa('npm', ['config', 'get', key], { reject: false, cwd: repoRoot })).stdout.trim();
  const mounts: string[] = [];
  const globalConfig = await get('globalconfig');
  if (globalConfig && existsSync(globalConfig))
    mounts.push('--volume', `${globalConfig}:/usr/local/etc/npmrc:ro`);
  const cafile = await get('cafile');
  if (cafile && cafile !== 'null' && existsSync(cafile)) mounts.push('--volume', `${cafile}:${cafile}:ro`);
  return mounts;
}
