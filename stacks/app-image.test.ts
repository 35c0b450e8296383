// app/Dockerfile against what runs from its image: the app (its CMD), its migrations, the Tarantool
// replicator and HAProxy's health agent (the commands compose and the stacks give those containers).
// Every module any of them loads at run time must be copied into the image, and every package it imports
// must survive `npm ci --omit=dev`.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import * as imageTest from '../toolkit/image/processes.ts';
import { containerSinkCommand, containerSinkHealthcheck } from '../toolkit/prometheus/alertmanager.ts';
import { composeDir } from './shared-files.ts';
import { composeServices } from './testing/compose.ts';
import { repoRoot } from './testing/run-stack.ts';

const dockerfile = readFileSync(join(repoRoot, 'app', 'Dockerfile'), 'utf8');
const packageJson = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/** The Dockerfile's stages in order: name (`AS x`, or its index) and lines. */
function stages(text: string): Array<{ name: string; lines: string[] }> {
  const found: Array<{ name: string; lines: string[] }> = [];
  for (const line of text.split('\n')) {
    const from = /^FROM\s+\S+(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) found.push({ name: from[1] ?? String(found.length), lines: [] });
    else found.at(-1)?.lines.push(line);
  }
  return found;
}

/** `COPY [--from=<stage>] <src>... <dest>`: each source with the stage it comes from ('' = the build context). */
function copies(lines: string[]): Array<{ from: string; source: string; dest: string }> {
  return lines
    .filter((line) => /^COPY\s/i.test(line))
    .flatMap((line) => {
      const words = line.trim().split(/\s+/).slice(1);
      const from = /^--from=(\S+)$/.exec(words[0] ?? '')?.[1] ?? '';
      const paths = from ? words.slice(1) : words;
      const dest = paths.at(-1)!;
      return paths
        .slice(0, -1)
        .map((source) => ({ from, source: source.replace(/^\.\//, '').replace(/\/$/, ''), dest }));
    });
}

/** The repository paths a stage copies from the build context. */
function copiedPaths(lines: string[]): string[] {
  return copies(lines)
    .filter((c) => c.from === '')
    .map((c) => c.source);
}

/** Module specifiers that load at run time: no `import type`/`export type` (erased), dynamic imports too. */
function runtimeImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && !node.importClause?.isTypeOnly) {
      found.push((node.moduleSpecifier as ts.StringLiteral).text);
    } else if (ts.isExportDeclaration(node) && !node.isTypeOnly && node.moduleSpecifier) {
      found.push((node.moduleSpecifier as ts.StringLiteral).text);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      found.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The files and packages an entry loads, following relative imports; `missing` are relative imports of no file. */
function closure(entry: string): { files: string[]; packages: string[]; missing: string[] } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const missing: string[] = [];
  const walk = (file: string): void => {
    if (files.has(file)) return;
    files.add(file);
    for (const specifier of runtimeImports(file)) {
      if (specifier.startsWith('.')) {
        const target = resolve(dirname(file), specifier);
        if (existsSync(target)) walk(target);
        else missing.push(`${relative(repoRoot, file)} → ${specifier}`);
      } else if (!specifier.startsWith('node:')) {
        const parts = specifier.split('/');
        packages.add(specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!);
      }
    }
  };
  walk(resolve(repoRoot, entry));
  return { files: [...files].map((f) => relative(repoRoot, f)), packages: [...packages], missing };
}

const cmd = JSON.parse(/^CMD\s+(\[.*\])\s*$/m.exec(dockerfile)?.[1] ?? '[]') as string[];
const composeFiles = readdirSync(composeDir).filter((f) => /^docker-compose.*\.ya?ml$/.test(f));
const services = composeServices(composeFiles);
const replicatorCommand = services['tarantool-replicator']?.command ?? [];
const migrateCommand = services.migrate?.command ?? [];
const agentCommand = services['haproxy-agent']?.command ?? [];
const sinkCommand = services['alert-sink']?.command ?? [];
/** The image runs compiled JavaScript: each command's `.js` entry is the `.ts` source the build stage compiled. */
const sourceOf = (command: string[]) =>
  command.find((arg) => arg.endsWith('.js'))?.replace(/\.js$/, '.ts') ?? '';
const entries = {
  app: sourceOf(cmd),
  replicator: sourceOf(replicatorCommand),
  migrate: sourceOf(migrateCommand),
  agent: sourceOf(agentCommand),
  sink: sourceOf(sinkCommand),
};
/** The toolkit's folders that ship in the image, each alone (import-graph.test.ts holds them to lib/). */
const shippedToolkit = ['toolkit/alerts/sink', 'toolkit/haproxy/agent', 'toolkit/tarantool/replicator'];

const all = stages(dockerfile);
const build = all.find((s) => s.name === 'build');
const runtime = all.at(-1)!;
const buildConfig = JSON.parse(
  readFileSync(join(repoRoot, 'tsconfig.build.json'), 'utf8').replace(/^\s*\/\/.*$/gm, ''),
) as { compilerOptions: { outDir: string; rewriteRelativeImportExtensions?: boolean }; files: string[] };
/** Repository folders whose compiled output the runtime stage takes from the build stage. */
const compiledIntoRuntime = copies(runtime.lines)
  .filter((c) => c.from === 'build')
  .map((c) => c.source.replace(/^\/src\/build\//, ''));

describe('app/Dockerfile', () => {
  it('compiles in a build stage with the dev dependencies; the runtime stage installs production ones only', () => {
    expect(build, 'a stage named build').toBeDefined();
    expect(copiedPaths(build!.lines)).toEqual(
      expect.arrayContaining(['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json']),
    );
    expect(build!.lines.join('\n')).toMatch(/^RUN .*npm ci (?!.*--omit=dev)/m);
    expect(build!.lines.join('\n')).toMatch(/^RUN .*tsc -p tsconfig\.build\.json$/m);
    expect(buildConfig.compilerOptions.rewriteRelativeImportExtensions).toBe(true);
    expect(buildConfig.compilerOptions.outDir).toBe('build');
    const depsStage = copies(runtime.lines).find((c) => c.source.endsWith('node_modules'))?.from;
    const deps = all.find((s) => s.name === depsStage);
    expect(deps?.lines.join('\n')).toMatch(/^RUN .*npm ci --omit=dev\b/m);
    expect(entries).toEqual({
      app: 'app/src/main.ts',
      replicator: 'toolkit/tarantool/replicator/main.ts',
      migrate: 'app/src/cli.ts',
      agent: 'toolkit/haproxy/agent/main.ts',
      sink: 'toolkit/alerts/sink/main.ts',
    });
    expect(buildConfig.files).toEqual(expect.arrayContaining(Object.values(entries)));
  });

  it('carries no runbook code and no TypeScript: compiled app/src, lib/, the replicator, agent and sink folders, and their data', () => {
    expect(compiledIntoRuntime.sort()).toEqual(['app/src', 'lib', ...shippedToolkit]);
    // From the context only what the compiled code reads beside it (app/contract: the OpenAPI document the
    // app reads at start for the statuses each operation may answer), and package.json ("type": "module").
    expect(copiedPaths(runtime.lines).sort()).toEqual([
      'app/contract',
      'app/data',
      'app/migrations',
      'app/src/web/assets',
      'package.json',
    ]);
    const runbookCode = [
      'toolkit/procedure',
      'toolkit/local',
      'toolkit/host',
      'scripts',
      'benchmarks',
      'stacks',
    ];
    const reached = Object.values(entries).flatMap((entry) => closure(entry).files);
    expect(reached.filter((f) => runbookCode.some((r) => f.startsWith(`${r}/`)))).toEqual([]);
    expect(
      reached.filter((f) => f.startsWith('toolkit/') && !shippedToolkit.some((d) => f.startsWith(`${d}/`))),
    ).toEqual([]);
  });

  it.each(Object.entries(entries))('compiles and ships every module the %s loads', (_, entry) => {
    const { files, missing } = closure(entry);
    expect(missing).toEqual([]);
    // The sink is its main and its server (node: modules only); every other process is larger.
    expect(files.length).toBeGreaterThan(entry === entries.sink ? 1 : 3);
    const compiled = copiedPaths(build!.lines);
    expect(files.filter((f) => !compiled.some((c) => f.startsWith(`${c}/`)))).toEqual([]);
    expect(files.filter((f) => !compiledIntoRuntime.some((c) => f.startsWith(`${c}/`)))).toEqual([]);
  });

  it.each(Object.entries(entries))(
    'installs every package the %s imports (dependencies, not devDependencies)',
    (_, entry) => {
      const { packages } = closure(entry);
      // The sink needs no package: Node's http and fs.
      if (entry === entries.sink) expect(packages).toEqual([]);
      else expect(packages.length).toBeGreaterThan(0);
      expect(packages.filter((p) => !(p in packageJson.dependencies))).toEqual([]);
    },
  );

  it('installs nothing else: every dependency is loaded by a process of the image (the rest are devDependencies)', () => {
    const used = new Set(Object.values(entries).flatMap((entry) => closure(entry).packages));
    expect(Object.keys(packageJson.dependencies).filter((p) => !used.has(p))).toEqual([]);
    // The image runs JavaScript: no TypeScript loader in it.
    expect(packageJson.dependencies).not.toHaveProperty('tsx');
  });

  it("is run by toolkit/image/image.db.test.ts with compose's commands", () => {
    expect({ replicator: replicatorCommand, migrate: migrateCommand, agent: agentCommand }).toEqual({
      replicator: imageTest.replicatorCommand,
      migrate: imageTest.migrateCommand,
      agent: imageTest.agentCommand,
    });
  });

  it('serves on the port it exposes, where its healthcheck asks', () => {
    expect(dockerfile).toMatch(/APP_HOST=0\.0\.0\.0/);
    const port = /APP_PORT=(\d+)/.exec(dockerfile)?.[1];
    expect(dockerfile).toMatch(new RegExp(`^EXPOSE ${port}$`, 'm'));
    expect(dockerfile).toContain(`process.env.APP_PORT||${port}`);
  });

  it("runs the alert sink in compose with the stacks' command and a healthcheck of its own /-/ready", () => {
    expect(sinkCommand).toEqual(containerSinkCommand);
    expect(services['alert-sink']?.healthcheck?.test).toEqual(containerSinkHealthcheck);
  });
});
