// The import graph's rules (docs/architecture.md): which folder may import which, and no circles.
// Every .ts/.mjs file under version control is read; static, dynamic and type-only imports all count.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

type Graph = Map<string, string[]>;

/** The public module: the one app file that code outside app/ may import. */
const appPublic = 'app/src/ops.ts';

const under = (file: string, dir: string) => file.startsWith(`${dir}/`);
const isTest = (file: string) => /\.test\.ts$/.test(file);

/** What breaks a rule, one line per offending import; empty when the graph keeps them all. */
function ruleViolations(graph: Graph): string[] {
  const found: string[] = [];
  for (const [from, targets] of graph) {
    for (const to of targets) {
      const why = broken(from, to);
      if (why) found.push(`${from} -> ${to}: ${why}`);
    }
  }
  return found;
}

/** The toolkit's folders compiled into the app image (app/Dockerfile), with what runs from each. */
const shippedAlone: Array<[folder: string, what: string]> = [
  ['toolkit/tarantool/replicator', 'the replicator'],
  ['toolkit/haproxy/agent', 'the health agent'],
  ['toolkit/alerts/sink', 'the alert sink'],
];

function broken(from: string, to: string): string | undefined {
  if (!under(from, 'app') && under(to, 'app') && to !== appPublic) {
    // The app's test kit (its test stack and client) is open to tests elsewhere, nothing else is.
    if (!(isTest(from) && under(to, 'app/test-support'))) return `outside app/, import only ${appPublic}`;
  }
  if (under(from, 'app') && ['toolkit', 'benchmarks', 'scripts', 'stacks'].some((d) => under(to, d)))
    return 'app/ imports only itself and lib/';
  if (under(from, 'lib') && !under(to, 'lib')) return 'lib/ imports only itself';
  if (under(from, 'toolkit') && under(to, 'benchmarks')) return 'toolkit/ does not import benchmarks/';
  if (under(from, 'toolkit/host') && !under(to, 'toolkit/host') && !under(to, 'lib'))
    return 'toolkit/host/ imports only itself and lib/';
  for (const [folder, what] of shippedAlone) {
    if (under(from, folder) && !isTest(from) && !under(to, folder) && !under(to, 'lib'))
      return `${what} ships alone: it imports only itself and lib/`;
  }
  return undefined;
}

/** Every circle of imports (strongly connected components of more than one file, or a file importing itself). */
function circles(graph: Graph): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter);
    counter++;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, index.get(next)!));
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || (graph.get(node) ?? []).includes(node)) found.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

function repositoryGraph(root: string): Graph {
  const files = execFileSync(
    'git',
    ['ls-files', '--cached', '--others', '--exclude-standard', '*.ts', '*.mjs'],
    {
      cwd: root,
      encoding: 'utf8',
    },
  )
    .split('\n')
    .filter(Boolean);
  const graph: Graph = new Map();
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(join(root, file), 'utf8');
    } catch {
      continue; // deleted in the work tree, not yet in the index
    }
    const imports = ts.preProcessFile(text, true, true).importedFiles.map((i) => i.fileName);
    graph.set(
      file,
      imports.filter((s) => s.startsWith('.')).map((s) => normalize(join(dirname(file), s))),
    );
  }
  return graph;
}

const graph = repositoryGraph(import.meta.dirname);

describe('the import graph', () => {
  it('reads the repository (the rules below are not checked over nothing)', () => {
    expect(graph.size).toBeGreaterThan(250);
    expect(graph.get('toolkit/app/generate-runbook.ts')).toContain(appPublic);
  });

  it('keeps every folder rule of docs/architecture.md', () => {
    expect(ruleViolations(graph)).toEqual([]);
  });

  it('has no import circle', () => {
    expect(circles(graph)).toEqual([]);
  });

  it("branches on the local environment only inside toolkit/local (others get the inventory's fields)", () => {
    const branching = [...graph.keys()].filter(
      (file) =>
        !under(file, 'toolkit/local') &&
        file !== 'import-graph.test.ts' &&
        /\bname\s*[!=]==?\s*['"]local['"]/.test(readFileSync(join(import.meta.dirname, file), 'utf8')),
    );
    expect(branching).toEqual([]);
  });

  it('catches a planted violation of each rule and a planted circle', () => {
    const planted: Graph = new Map([
      ['toolkit/x.ts', ['app/src/users/repository.ts', 'benchmarks/wrk/report.ts']],
      ['app/src/y.ts', ['toolkit/procedure/run.ts']],
      ['lib/z.ts', ['toolkit/host/process.ts']],
      ['toolkit/host/w.ts', ['toolkit/local/state.ts']],
      ['toolkit/tarantool/replicator/v.ts', ['toolkit/procedure/errors.ts']],
      ['toolkit/haproxy/agent/t.ts', ['toolkit/mysql/session.ts', 'lib/mysql.ts']],
      ['toolkit/haproxy/agent/t.test.ts', ['toolkit/mysql/flavor.ts']],
      ['benchmarks/u.ts', ['app/src/ops.ts', 'app/test-support/stack.ts']],
      ['benchmarks/u.test.ts', ['app/test-support/stack.ts']],
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']],
    ]);
    expect(ruleViolations(planted)).toEqual([
      'toolkit/x.ts -> app/src/users/repository.ts: outside app/, import only app/src/ops.ts',
      'toolkit/x.ts -> benchmarks/wrk/report.ts: toolkit/ does not import benchmarks/',
      'app/src/y.ts -> toolkit/procedure/run.ts: app/ imports only itself and lib/',
      'lib/z.ts -> toolkit/host/process.ts: lib/ imports only itself',
      'toolkit/host/w.ts -> toolkit/local/state.ts: toolkit/host/ imports only itself and lib/',
      'toolkit/tarantool/replicator/v.ts -> toolkit/procedure/errors.ts: the replicator ships alone: it imports only itself and lib/',
      'toolkit/haproxy/agent/t.ts -> toolkit/mysql/session.ts: the health agent ships alone: it imports only itself and lib/',
      'benchmarks/u.ts -> app/test-support/stack.ts: outside app/, import only app/src/ops.ts',
    ]);
    expect(circles(planted)).toEqual([['a.ts', 'b.ts', 'c.ts']]);
  });
});
