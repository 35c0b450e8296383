// What the app image holds, read from inside it, and what it must not hold: TypeScript sources, dev
// dependencies, runbook code, native addons its --ignore-scripts install would have left unbuilt, a root
// user, a Node that is not a supported LTS.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../inventory/paths.ts';
import { runInImage } from './container.ts';
import { type Engine, type ImageConfig, inspectImage } from './engine.ts';

export interface ImageContents {
  config: ImageConfig;
  nodeVersion: string;
  uid: number;
  /** Files under the working dir, node_modules left out, relative to it. */
  files: string[];
  /** `node_modules/...` paths npm installed (its hidden lockfile). */
  installed: string[];
  nativeAddons: string[];
}

/** Node's LTS lines still supported, with their end of life (nodejs.org/en/about/previous-releases). */
export const supportedNodeLines: Record<number, string> = { 22: '2027-04-30', 24: '2028-04-30' };

// Runs in the image with its own node: prints one JSON object.
const probe = `
const fs = require('node:fs'), path = require('node:path');
const walk = (dir, skip, out = []) => {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) { if (!skip(p)) walk(p, skip, out); } else out.push(p);
  }
  return out;
};
const root = process.cwd();
const modules = path.join(root, 'node_modules');
const lock = JSON.parse(fs.readFileSync(path.join(modules, '.package-lock.json'), 'utf8'));
console.log(JSON.stringify({
  nodeVersion: process.versions.node,
  uid: process.getuid(),
  files: walk(root, (p) => p === modules).map((f) => path.relative(root, f)),
  installed: Object.keys(lock.packages),
  nativeAddons: walk(modules, () => false).filter((f) => f.endsWith('.node')).map((f) => path.relative(root, f)),
}));
`;

export async function readImageContents(engine: Engine, image: string): Promise<ImageContents> {
  const config = await inspectImage(engine, image);
  const out = await runInImage(engine, image, ['node', '-e', probe]);
  return { config, ...(JSON.parse(out.trim().split('\n').pop() ?? '{}') as Omit<ImageContents, 'config'>) };
}

/** The repository paths the runtime stage may hold (compiled output and the data it reads). */
const allowedTop = [
  'package.json',
  'app/src/',
  'app/contract/',
  'app/migrations/',
  'app/data/',
  'lib/',
  'toolkit/tarantool/replicator/',
  'toolkit/haproxy/agent/',
  'toolkit/alerts/sink/',
];

/** Every rule the image breaks, in words; empty when it keeps them all. */
export function imageProblems(contents: ImageContents, today = new Date()): string[] {
  const problems: string[] = [];
  const major = Number(contents.nodeVersion.split('.')[0]);
  const eol = supportedNodeLines[major];
  if (!eol || new Date(eol) <= today)
    problems.push(
      `Node ${contents.nodeVersion} is not a supported LTS (supported: ${Object.keys(supportedNodeLines).join(', ')})`,
    );
  if (contents.uid === 0 || ['', 'root', '0'].includes(contents.config.user))
    problems.push(`runs as root (USER ${contents.config.user || 'unset'})`);
  if (!contents.config.healthcheck?.length) problems.push('no HEALTHCHECK');
  const sources = contents.files.filter((f) => /\.(ts|mts|cts)$/.test(f));
  if (sources.length) problems.push(`TypeScript sources: ${sources.slice(0, 5).join(', ')}`);
  const stray = contents.files.filter((f) => !allowedTop.some((a) => f === a || f.startsWith(a)));
  if (stray.length)
    problems.push(
      `files outside the app, lib/, the replicator, the health agent and the alert sink: ${stray.slice(0, 5).join(', ')}`,
    );
  const dev = devPackagePaths();
  const devInstalled = contents.installed.filter((p) => dev.has(p));
  if (devInstalled.length)
    problems.push(`dev dependencies installed: ${devInstalled.slice(0, 5).join(', ')}`);
  if (contents.nativeAddons.length) problems.push(`native addons: ${contents.nativeAddons.join(', ')}`);
  return problems;
}

/** The lockfile's packages that only dev dependencies need (`"dev": true`). */
function devPackagePaths(): Set<string> {
  const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dev?: boolean }>;
  };
  return new Set(
    Object.entries(lock.packages)
      .filter(([, p]) => p.dev)
      .map(([path]) => path),
  );
}

/**
 * Whether a package.json `engines` range of `^x[.y[.z]]` alternatives (the only form this project writes)
 * allows a Node version.
 */
export function enginesAllow(range: string, version: string): boolean {
  const [major, minor, patch] = version.replace(/^v/, '').split('.').map(Number) as [number, number, number];
  return range.split('||').some((alternative) => {
    const match = /^\^(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(alternative.trim());
    if (!match) throw new Error(`engines: cannot read '${alternative.trim()}' (write ^x.y.z alternatives)`);
    const [want, wantMinor, wantPatch] = [Number(match[1]), Number(match[2] ?? 0), Number(match[3] ?? 0)];
    return major === want && (minor > wantMinor || (minor === wantMinor && patch >= wantPatch));
  });
}
