import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { repoRoot } from '../../toolkit/inventory/paths.ts';
import { UsageError } from '../../toolkit/procedure/errors.ts';
import type { RunbookReport } from '../../toolkit/procedure/types.ts';
import type { StatusReport, StatusRow } from '../../toolkit/status/report.ts';

export interface UpRun {
  seconds: number;
  changed: number;
  steps: number;
  /** 1-, 5- and 15-minute load averages when the run ended. */
  loadAfter: number[];
}

export interface UpTwice {
  startedAt: string;
  /** Whether the first up started from no state at all (TOOLKIT_STATE_DIR absent). */
  fresh: boolean;
  cores: number;
  loadBefore: number[];
  first: UpRun;
  second: UpRun;
  status: StatusRow[];
}

const loads = () => loadavg().map((l) => Math.round(l * 100) / 100);

/** README's form: `npm run --silent up -- --json`, one JSON report on stdout. */
async function timedUp(env: NodeJS.ProcessEnv): Promise<{ run: UpRun; report: RunbookReport }> {
  const started = process.hrtime.bigint();
  const result = await execa('npm', ['run', '--silent', 'up', '--', '--json'], {
    cwd: repoRoot,
    env,
    reject: false,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.exitCode !== 0)
    throw new Error(
      `npm run up failed (${result.exitCode}): ${result.stderr.split('\n').slice(-3).join(' ')}`,
    );
  const report = JSON.parse(result.stdout) as RunbookReport;
  return {
    report,
    run: {
      seconds: Math.round(seconds * 10) / 10,
      changed: report.changed,
      steps: report.steps.length,
      loadAfter: loads(),
    },
  };
}

export function upTwiceMarkdown(r: UpTwice): string {
  const row = (name: string, u: UpRun) =>
    `| ${name} | ${u.seconds} | ${u.changed} | ${u.steps} | ${u.loadAfter.join(' / ')} |`;
  return [
    `# npm run up, twice (${r.startedAt})`,
    '',
    `Made by \`npx zx scripts/bench-up-twice.mjs\` (benchmarks/local/up-twice.ts): \`npm run --silent up -- --json\`,`,
    'timed from the outside, then again at once, then `npm run status`. The environment lived in its own',
    `TOOLKIT_STATE_DIR and LOCAL_* ports; the first up started ${r.fresh ? 'from no state at all (every server started, demo users seeded, ClickHouse loaded)' : 'on an existing state dir'}.`,
    `Machine: ${r.cores} cores, shared with other work; load average before: ${r.loadBefore.join(' / ')} (1 / 5 / 15 min).`,
    '',
    '| run | seconds | changed | steps | load average after (1 / 5 / 15 min) |',
    '|---|---|---|---|---|',
    row('first up', r.first),
    row('second up', r.second),
    '',
    `Second up: ${r.second.changed === 0 ? '0 changed' : `${r.second.changed} changed — NOT idempotent`}.`,
    '',
    '## Components after the second up (`npm run status`)',
    '',
    '| component | name | address | health | detail |',
    '|---|---|---|---|---|',
    ...r.status.map(
      (s) =>
        `| ${s.component} | ${s.name} | ${s.address} | ${s.health} | ${s.detail.replaceAll('|', '\\|')} |`,
    ),
    '',
  ].join('\n');
}

/**
 * Two `npm run up` in a row against the environment the variables name (never the default one:
 * TOOLKIT_STATE_DIR must be set), then the status; writes reports/local/<time>-up-twice/ with the
 * summary and both JSON reports. Returns the summary's path; throws when the second up changed anything.
 */
export async function benchUpTwice(options: { down?: boolean } = {}): Promise<string> {
  const stateDir = process.env.TOOLKIT_STATE_DIR;
  if (!stateDir)
    throw new UsageError('set TOOLKIT_STATE_DIR (and the LOCAL_* ports) to an environment of its own');
  const env = { ...process.env, CI: 'true' };
  const startedAt = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const fresh = !existsSync(stateDir);
  const loadBefore = loads();
  const first = await timedUp(env);
  const second = await timedUp(env);
  const status = await execa('npm', ['run', '--silent', 'status', '--', '--json'], {
    cwd: repoRoot,
    env,
    reject: false,
  });
  const rows = (JSON.parse(status.stdout) as StatusReport).components;
  const result: UpTwice = {
    startedAt,
    fresh,
    cores: cpus().length,
    loadBefore,
    first: first.run,
    second: second.run,
    status: rows,
  };
  const dir = join(
    repoRoot,
    'reports',
    'local',
    `${startedAt.replace(/:/g, '-').replace(/Z$/, '')}-up-twice`,
  );
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'summary.md'), upTwiceMarkdown(result));
  writeFileSync(join(dir, 'up-1.json'), `${JSON.stringify(first.report, null, 2)}\n`);
  writeFileSync(join(dir, 'up-2.json'), `${JSON.stringify(second.report, null, 2)}\n`);
  if (options.down) await execa('npm', ['run', '--silent', 'down'], { cwd: repoRoot, env, reject: false });
  if (second.run.changed !== 0)
    throw new Error(`the second up changed ${second.run.changed} step(s): see ${dir}`);
  return join(dir, 'summary.md');
}
