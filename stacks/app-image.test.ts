// app/Dockerfile against what runs from its image: the app (its CMD) and the Tarantool replicator (the
// command compose and the stacks give the replicator container). Every module either loads at run time
// must be copied into the image, and every package it imports must survive `npm ci --omit=dev`.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { composeDir } from './shared-files.ts';
import { composeServices } from './testing/compose.ts';
import { repoRoot } from './testing/run-stack.ts';

const dockerfile = readFileSync(join(repoRoot, 'app', 'Dockerfile'), 'utf8');
const packageJson = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/** The repository paths `COPY <src>... <dest>` puts into the image (build context: the repository root). */
function copiedPaths(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => /^COPY\s/i.test(line) && !line.includes('--from='))
    .flatMap((line) => line.trim().split(/\s+/).slice(1, -1))
    .map((source) => source.replace(/^\.\//, '').replace(/\/$/, ''));
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
const replicatorCommand = composeServices(composeFiles)['tarantool-replicator']?.command ?? [];
const entries = {
  app: cmd.find((arg) => arg.endsWith('.ts')) ?? '',
  replicator: replicatorCommand.find((arg) => arg.endsWith('.ts')) ?? '',
};

describe('app/Dockerfile', () => {
  it('copies the sources, the tsconfig tsx reads, lib/ and the replicator folder', () => {
    expect(copiedPaths(dockerfile)).toEqual(
      expect.arrayContaining([
        'package.json',
        'package-lock.json',
        'tsconfig.json',
        'app/src',
        'app/contract',
        'lib',
        'toolkit/tarantool/replicator',
      ]),
    );
    expect(dockerfile).toMatch(/^RUN npm ci --omit=dev\b/m);
    expect(entries).toEqual({ app: 'app/src/main.ts', replicator: 'toolkit/tarantool/replicator/main.ts' });
  });

  it('carries no runbook code: only the app, lib/ and the replicator folder, none reaching the toolkit beyond', () => {
    const copied = copiedPaths(dockerfile);
    const sourceDirs = copied.filter((c) => !/\.(json|lock)$/.test(c) && !c.startsWith('app/migrations'));
    expect(
      // app/contract: the OpenAPI document the app reads at start for the statuses each operation may answer.
      sourceDirs.filter(
        (c) => !['app/src', 'app/data', 'app/contract', 'lib', 'toolkit/tarantool/replicator'].includes(c),
      ),
    ).toEqual([]);
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
      reached.filter((f) => f.startsWith('toolkit/') && !f.startsWith('toolkit/tarantool/replicator/')),
    ).toEqual([]);
  });

  it.each(Object.entries(entries))('holds every module the %s loads', (_, entry) => {
    const copied = copiedPaths(dockerfile);
    const { files, missing } = closure(entry);
    expect(missing).toEqual([]);
    expect(files.length).toBeGreaterThan(3);
    expect(files.filter((f) => !copied.some((c) => f === c || f.startsWith(`${c}/`)))).toEqual([]);
  });

  it.each(Object.entries(entries))(
    'installs every package the %s imports (dependencies, not devDependencies)',
    (_, entry) => {
      const { packages } = closure(entry);
      expect(packages.length).toBeGreaterThan(0);
      expect(packages.filter((p) => !(p in packageJson.dependencies))).toEqual([]);
      // tsx runs the TypeScript in the container (node --import tsx).
      expect(packageJson.dependencies).toHaveProperty('tsx');
    },
  );

  it('serves on the port it exposes, where its healthcheck asks', () => {
    expect(dockerfile).toMatch(/APP_HOST=0\.0\.0\.0/);
    const port = /APP_PORT=(\d+)/.exec(dockerfile)?.[1];
    expect(dockerfile).toMatch(new RegExp(`^EXPOSE ${port}$`, 'm'));
    expect(dockerfile).toContain(`process.env.APP_PORT||${port}`);
  });
});
