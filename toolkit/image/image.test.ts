import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../inventory/paths.ts';
import { baseImageOf } from './base-image.ts';
import { dockerfilePath } from './build.ts';
import { enginesAllow, type ImageContents, imageProblems, supportedNodeLines } from './contents.ts';

const dockerfile = readFileSync(dockerfilePath, 'utf8');
const engines = (
  JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { engines: { node: string } }
).engines.node;

describe('the base image app/Dockerfile names', () => {
  it('is one node:<x.y.z>-<suite>-slim for every stage, on a supported LTS line', () => {
    const base = baseImageOf(dockerfile);
    expect(base.reference).toBe(`docker.io/library/node:${base.nodeVersion}-bookworm-slim`);
    const eol = supportedNodeLines[Number(base.nodeVersion.split('.')[0])];
    expect(eol, `Node ${base.nodeVersion} is not a supported LTS`).toBeDefined();
    expect(new Date(eol!).getTime()).toBeGreaterThan(Date.now());
  });

  it('refuses what it cannot make here, or stages on different bases', () => {
    expect(() =>
      baseImageOf('FROM node:24.1.0-bookworm-slim AS build\nFROM node:22.1.0-bookworm-slim\n'),
    ).toThrow(/one base image/);
    expect(() => baseImageOf('FROM node:24-alpine\n')).toThrow(/cannot make base image node:24-alpine/);
    // A stage built on an earlier stage is not a second base.
    expect(baseImageOf('FROM node:24.1.0-bookworm-slim AS build\nFROM build\n').nodeVersion).toBe('24.1.0');
  });
});

describe('package.json engines', () => {
  it("allows the image's Node and the Node running these tests", () => {
    expect(enginesAllow(engines, baseImageOf(dockerfile).nodeVersion)).toBe(true);
    expect(enginesAllow(engines, process.version)).toBe(true);
  });

  it('reads ^ alternatives exactly', () => {
    expect(enginesAllow('^20.11 || ^24', '20.10.9')).toBe(false);
    expect(enginesAllow('^20.11 || ^24', '20.11.0')).toBe(true);
    expect(enginesAllow('^20.11 || ^24', '22.0.0')).toBe(false);
    expect(enginesAllow('^20.11 || ^24', 'v24.0.1')).toBe(true);
    expect(() => enginesAllow('>=20', '20.0.0')).toThrow(/cannot read/);
  });
});

describe('imageProblems', () => {
  const good: ImageContents = {
    config: {
      id: 'x',
      sizeBytes: 1,
      user: 'node',
      cmd: ['node', 'app/src/main.js'],
      workingDir: '/srv',
      env: [],
      healthcheck: ['CMD-SHELL', 'true'],
      labels: {},
    },
    nodeVersion: '24.22.3',
    uid: 1000,
    files: [
      'package.json',
      'app/src/main.js',
      'app/migrations/main/001.sql',
      'toolkit/tarantool/replicator/main.js',
      'toolkit/haproxy/agent/main.js',
      'toolkit/alerts/sink/main.js',
    ],
    installed: ['', 'node_modules/fastify'],
    nativeAddons: [],
  };
  const today = new Date('2026-12-07');

  it('finds nothing wrong with a compiled, non-root image on Node 24', () => {
    expect(imageProblems(good, today)).toEqual([]);
  });

  it.each([
    ['Node 20 (end of life)', { nodeVersion: '20.20.2' }, /not a supported LTS/],
    ['root', { uid: 0, config: { ...good.config, user: '' } }, /runs as root/],
    ['no health check', { config: { ...good.config, healthcheck: undefined } }, /no HEALTHCHECK/],
    [
      'a TypeScript source',
      { files: [...good.files, 'app/src/main.ts'] },
      /TypeScript sources: app\/src\/main.ts/,
    ],
    ['runbook code', { files: [...good.files, 'toolkit/procedure/run.js'] }, /outside the app/],
    [
      'a dev dependency',
      { installed: [...good.installed, 'node_modules/vitest'] },
      /dev dependencies installed: node_modules\/vitest/,
    ],
    ['a native addon', { nativeAddons: ['node_modules/x/x.node'] }, /native addons/],
  ])('names %s', (_, change, problem) => {
    expect(imageProblems({ ...good, ...change } as ImageContents, today).join('; ')).toMatch(problem);
  });

  it('counts an LTS line as unsupported from its end of life', () => {
    expect(imageProblems({ ...good, nodeVersion: '22.1.0' }, new Date('2027-05-01'))).toEqual([
      expect.stringMatching(/Node 22.1.0 is not a supported LTS/),
    ]);
  });
});
