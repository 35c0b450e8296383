import { execFileSync, spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { makeTempDir, removeTempDir } from '../../lib/temp-dirs.ts';
import { type Control, controlFiles, controls } from './controls.ts';
import { applyMutation, mutateTree } from './mutation.ts';
import {
  allProven,
  type ControlResult,
  type FileRun,
  judge,
  progressLine,
  renderSummary,
} from './summary.ts';
import { readOutcome, type VitestJson } from './vitest-result.ts';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '../..');
/** A test file's run, set-up included; the failover file takes about 3 minutes on a quiet machine. */
const fileTimeoutMs = 15 * 60_000;

export interface ControlsOptions {
  only?: string[];
  json: boolean;
}

export function parseControlsArgs(argv: string[]): ControlsOptions {
  const { values } = parseArgs({
    args: argv,
    options: { only: { type: 'string', multiple: true }, json: { type: 'boolean', default: false } },
    strict: true,
    allowPositionals: false,
  });
  const only = values.only?.flatMap((v) => v.split(',')).filter((v) => v !== '');
  const unknown = only?.filter((name) => !controls.some((c) => c.name === name)) ?? [];
  if (unknown.length > 0)
    throw new Error(
      `--only ${unknown.join(',')}: no such control (controls: ${controls.map((c) => c.name).join(', ')})`,
    );
  return { only, json: values.json };
}

/** The controls --only names, or all of them. */
export function selectedControls(options: ControlsOptions): Control[] {
  return options.only ? controls.filter((c) => options.only!.includes(c.name)) : controls;
}

/** Every mutation checked against the tree before anything runs: a stale control fails in seconds, not after an hour. */
export function checkMutations(root: string, list: Control[]): void {
  for (const control of list)
    for (const mutation of control.mutations)
      applyMutation(readFileSync(join(root, mutation.file), 'utf8'), mutation);
}

/** The tree as it is now (tracked and untracked files, ignored ones left out) in a temp dir, sharing node_modules. */
function copyTree(name: string): string {
  const dir = makeTempDir(`test-control-${name}-`);
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: repoRoot,
    encoding: 'utf8',
  })
    .split('\0')
    .filter((f) => f !== '' && existsSync(join(repoRoot, f)));
  for (const file of files) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    copyFileSync(join(repoRoot, file), join(dir, file));
  }
  symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

/** One vitest run of one file in `tree`, its output kept in `log`; killed (with its servers) at the deadline. */
async function runFile(tree: string, file: string, bail: boolean, log: string): Promise<FileRun> {
  const started = Date.now();
  const jsonFile = join(tree, 'vitest-result.json');
  const args = ['run', file, '--reporter=json', `--outputFile=${jsonFile}`, ...(bail ? ['--bail', '1'] : [])];
  const out = openSync(log, 'a');
  writeFileSync(out, `\n=== vitest ${args.join(' ')}\n`);
  // Its own process group, so a timeout ends vitest and every server its tests started.
  const child = spawn(join(tree, 'node_modules/.bin/vitest'), args, {
    cwd: tree,
    detached: true,
    stdio: ['ignore', out, out],
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(child.pid, 'SIGTERM');
    setTimeout(() => killGroup(child.pid, 'SIGKILL'), 10_000).unref();
  }, fileTimeoutMs);
  const code = await new Promise<number | null>((resolve) => {
    child.on('error', () => resolve(null));
    child.on('exit', (exitCode) => resolve(exitCode));
  });
  clearTimeout(timer);
  const seconds = (Date.now() - started) / 1000;
  if (timedOut) return { file, timedOut, seconds, problem: `timed out after ${fileTimeoutMs / 60_000} min` };
  if (!existsSync(jsonFile))
    return { file, timedOut, seconds, problem: `vitest exited with ${code} and no results (see the log)` };
  const outcome = readOutcome(JSON.parse(readFileSync(jsonFile, 'utf8')) as VitestJson, tree);
  removeTempDir(jsonFile);
  return { file, timedOut, seconds, outcome };
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

async function runControl(
  control: Control,
  rawDir: string,
  print: (line: string) => void,
): Promise<ControlResult> {
  const started = Date.now();
  const tree = copyTree(control.name);
  try {
    mutateTree(tree, control.mutations);
    const mutated = control.mutations.length > 0;
    const runs: FileRun[] = [];
    for (const file of control.files) {
      const run = await runFile(tree, file, mutated, join(rawDir, `${control.name}.log`));
      const counts = run.outcome
        ? `${run.outcome.passed} passed, ${run.outcome.failing.length} failing`
        : run.problem;
      print(`    ${file}: ${counts} in ${run.seconds.toFixed(1)} s`);
      runs.push(run);
    }
    return { ...control, verdict: judge(mutated, runs), runs, seconds: (Date.now() - started) / 1000 };
  } finally {
    removeTempDir(tree);
  }
}

function timestamp(date: Date): string {
  return date.toISOString().slice(0, 19).replace(/:/g, '-');
}

function commitOf(root: string): string {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
  return (
    git('rev-parse', '--short', 'HEAD') +
    (git('status', '--porcelain') === '' ? '' : ' (with uncommitted changes)')
  );
}

/**
 * The unmutated run of every named file first (it must pass, or no kill below means anything), then
 * each control in a fresh copy of the tree; the report goes to reports/controls/<timestamp>/. The
 * caller has checked the mutations against the tree (checkMutations).
 */
export async function runControls(
  selected: Control[],
  print: (line: string) => void,
): Promise<{ proven: boolean; report: { when: string; commit: string; results: ControlResult[] } }> {
  const when = new Date();
  // Taken before the runs: the copies are made of the tree as it is now.
  const commit = commitOf(repoRoot);
  const dir = join(repoRoot, 'reports/controls', timestamp(when));
  const rawDir = join(dir, 'raw');
  mkdirSync(rawDir, { recursive: true });
  const unmutated: Control = {
    name: 'unmutated',
    claim: 'the named tests pass on the code as it is (the control every mutation is judged against)',
    files: controlFiles(selected),
    mutations: [],
  };
  const all = [unmutated, ...selected];
  print(`test controls: ${all.length} runs, report in ${relative(repoRoot, dir)}`);
  const results: ControlResult[] = [];
  const meta = { when: when.toISOString().slice(0, 16).replace('T', ' '), commit };
  for (const [i, control] of all.entries()) {
    print(`[${i + 1}/${all.length}] ${control.name}: running ${control.files.join(', ')}`);
    const result = await runControl(control, rawDir, print);
    results.push(result);
    print(progressLine(i + 1, all.length, result));
    // Written after every control: an interrupted run still leaves what it found.
    const pending = all.length - results.length;
    writeFileSync(join(dir, 'summary.md'), renderSummary(results, { ...meta, pending }));
    writeFileSync(join(dir, 'summary.json'), `${JSON.stringify({ ...meta, pending, results }, null, 2)}\n`);
  }
  print(`${relative(repoRoot, join(dir, 'summary.md'))} written`);
  return { proven: allProven(results), report: { ...meta, results } };
}

/** The entry of scripts/test-controls.mjs: exit 0 only when every mutation was killed and the unmutated run passed. */
export async function testControlsMain(argv: string[]): Promise<number> {
  let options: ControlsOptions;
  let selected: Control[];
  try {
    options = parseControlsArgs(argv);
    selected = selectedControls(options);
    checkMutations(repoRoot, selected);
  } catch (error) {
    console.error(`test-controls: ${(error as Error).message}`);
    return 2;
  }
  // With --json, stdout carries only the JSON; progress goes to stderr.
  const print = options.json ? (line: string) => console.error(line) : (line: string) => console.log(line);
  const { proven, report } = await runControls(selected, print);
  if (options.json) console.log(JSON.stringify(report));
  return proven ? 0 : 1;
}
