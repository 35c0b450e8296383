import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../lib/temp-dirs.ts';
import { repoRoot } from '../inventory/paths.ts';
import { parseArgs, usage } from '../procedure/args.ts';
import { UsageError } from '../procedure/errors.ts';
import { commonFlags } from '../procedure/main.ts';
import { parseShardList } from './keyrange.ts';
import { reshardFlags, reshardRunbook, reshardWorkflowName } from './runbooks.ts';
import { answer, at, type FakeState, fakeState } from './testing/fake-vitess.ts';

// These run the real entries (`npx zx scripts/<name>.mjs`), each vtctldclient call a process: the long ones get
// their own timeout for a loaded CI machine. Their vtctldclient is a tiny stand-in program that
// forwards its arguments to this test process, where the double (testing/fake-vitess.ts) answers them.
const dir = makeTempDir('vitess-runbooks-');
let current: FakeState = fakeState({ kind: 'Reshard' });
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk: Buffer) => {
    body += chunk.toString();
  });
  req.on('end', () => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(answer(current, JSON.parse(body) as string[])));
  });
});
const fakeBinary = join(dir, 'vtctldclient');

beforeAll(async () => {
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  writeFileSync(
    join(dir, 'forward.mjs'),
    `const r = await fetch('http://127.0.0.1:${port}/', { method: 'POST', body: JSON.stringify(process.argv.slice(2)) });\n` +
      'const { stdout, stderr, exitCode } = await r.json();\n' +
      'process.stdout.write(stdout);\nprocess.stderr.write(stderr);\nprocess.exitCode = exitCode;\n',
  );
  writeFileSync(fakeBinary, `#!/bin/sh\nexec node ${join(dir, 'forward.mjs')} "$@"\n`);
  chmodSync(fakeBinary, 0o755);
});
afterAll(async () => {
  await new Promise((done) => server.close(done));
  rmSync(dir, { recursive: true, force: true });
});

async function runbook(name: string, words: string[], env: Record<string, string> = {}) {
  return execa('npx', ['zx', `scripts/${name}.mjs`, ...words], {
    cwd: repoRoot,
    reject: false,
    env: {
      TOOLKIT_STATE_DIR: join(dir, 'state'),
      TOOLKIT_VITESS_BACKUP_DIR: join(dir, 'backups'),
      VTCTLDCLIENT: fakeBinary,
      CI: '1',
      ...env,
    },
  });
}

describe('scripts/reshard.mjs', () => {
  it('prints the whole plan with --dry-run when no vtctld answers', async () => {
    const result = await runbook('reshard', ['-80', '-40,40-80', '--dry-run'], {
      VTCTLDCLIENT: join(dir, 'missing-vtctldclient'),
    });
    expect(result.exitCode).toBe(0);
    const base =
      'vtctldclient --server 127.0.0.1:15999 Reshard --target-keyspace chat_message --workflow reshard_min_80';
    const lines = result.stdout.split('\n');
    expect(lines.filter((l) => l.startsWith('[planned]')).map((l) => l.replace(/ @ .*/, ''))).toEqual([
      '[planned] preflight: vtctld and keyspaces',
      '[planned] vschema chat_message',
      '[planned] create workflow',
      '[planned] copy',
      '[planned] vdiff',
      '[planned] switch reads (rdonly, replica)',
      '[planned] switch writes (primary)',
      '[planned] complete',
      '[planned] delete source shards',
    ]);
    expect(result.stdout).toContain(`${base} create --source-shards=-80 --target-shards=-40,40-80`);
    expect(result.stdout).toContain(`${base} switchtraffic --tablet-types=rdonly,replica`);
    expect(result.stdout).toContain(`${base} switchtraffic --tablet-types=primary`);
    expect(result.stdout).toContain('DeleteShards --recursive chat_message/-80');
  });

  it.each([
    [['-80', '-40,50-80'], 'target shards: gap between -40 and 50-80: no shard covers 40-50'],
    [
      ['-80'],
      'reshard takes two arguments, the source shards then the target shards (such as: -80 -40,40-80); got 1',
    ],
    [
      ['-80', '-40,40-80', '--until', 'switch-write'],
      "--until 'switch-write' is not a stage of reshard (stages: preflight, create, copy, vdiff, switch-reads, switch-writes, complete, delete-sources)",
    ],
  ])('fails at once on %j, without calling Vitess', async (words, message) => {
    current = fakeState({ kind: 'Reshard' });
    const result = await runbook('reshard', words);
    expect(result.exitCode).toBe(2);
    expect(result.stderr.trim()).toBe(`reshard: ${message}`);
    expect(current.calls).toEqual([]);
  });

  it('runs a split to the end, then a re-run changes nothing (--json)', async () => {
    current = at(
      fakeState({ kind: 'Reshard', sources: ['0'], targets: ['-80', '80-'], workflow: 'reshard_min_max' }),
      'absent',
    );
    const first = await runbook('reshard', ['0', '-80,80-', '--json', '--poll-seconds=0.01']);
    expect(first.stderr).toBe('');
    expect(first.exitCode).toBe(0);
    const report = JSON.parse(first.stdout) as {
      changed: number;
      steps: Array<{ name: string; status: string }>;
    };
    expect(report.steps.filter((s) => s.status === 'changed').map((s) => s.name)).toEqual([
      'create workflow',
      'copy',
      'vdiff',
      'switch reads (rdonly, replica)',
      'switch writes (primary)',
      'complete',
      'delete source shards',
    ]);
    expect(current.shards.chat_message).not.toContain('0');
    const again = await runbook('reshard', ['0', '-80,80-', '--json']);
    expect(again.exitCode).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ runbook: 'reshard', changed: 0 });
  }, 240_000);

  it('--until switch-writes stops before complete; --reverse then works; a run without --until completes', async () => {
    // From a copied workflow (create and copy are stepped through in procedure.test.ts): each call is a process.
    current = at(fakeState({ kind: 'Reshard' }), 'running');
    const words = ['-80', '-40,40-80', '--poll-seconds=0.01'];
    const stopped = await runbook('reshard', [...words, '--until', 'switch-writes']);
    expect(stopped.stderr).not.toMatch(/^error/m);
    expect(stopped.exitCode).toBe(0);
    expect(stopped.stdout).toMatch(
      /^\[ok\] stop after switch-writes \(--until\) @ vtctld 127\.0\.0\.1:15999: chat_message\.reshard_min_80 is writes switched \(All Reads Switched\. Writes Switched\); the next run without --until: complete, delete source shards; --reverse switches traffic back until complete runs$/m,
    );
    expect(current.applied).toEqual([
      'VDiff create',
      'switchtraffic rdonly,replica',
      'switchtraffic primary',
    ]);
    const reversed = await runbook('reshard', [...words, '--reverse']);
    expect(reversed.exitCode).toBe(0);
    expect(current.applied.at(-1)).toBe('reversetraffic rdonly,replica,primary');
    expect([current.reads, current.writes]).toEqual([false, false]);
    const resumed = await runbook('reshard', words);
    expect(resumed.exitCode).toBe(0);
    expect(current.applied.slice(4)).toEqual([
      'VDiff create',
      'switchtraffic rdonly,replica',
      'switchtraffic primary',
      'complete',
      'DeleteShards chat_message/-80',
    ]);
    expect(current.phase).toBe('completed');
  }, 480_000);

  it('stops with one error line naming the step when vtctld goes away, and resumes', async () => {
    current = at(fakeState({ kind: 'Reshard' }), 'reads switched');
    current.answersLeft = 10;
    const broken = await runbook('reshard', ['-80', '-40,40-80', '--poll-seconds=0.01']);
    expect(broken.exitCode).toBe(1);
    expect(broken.stderr).toMatch(
      /^error: [a-z][a-z_ (),]+ on vtctld 127\.0\.0\.1:15999: vtctld did not answer: connection error/m,
    );
    delete current.answersLeft;
    const resumed = await runbook('reshard', ['-80', '-40,40-80', '--poll-seconds=0.01']);
    expect(resumed.exitCode).toBe(0);
    expect(current.phase).toBe('completed');
  }, 240_000);
});

describe('reshard arguments', () => {
  const validate = (words: string[]) => {
    const { flags, positionals } = parseArgs(words, { ...commonFlags, ...reshardFlags });
    reshardRunbook.validate?.(flags, positionals);
  };

  it.each([
    [['-80', '-40,50-80'], /gap between -40 and 50-80/],
    [['-80', '-40,30-80'], /-40 and 30-80 overlap in 30-40/],
    [['-80', '-80'], /source and target shards are the same/],
    [['0', '-8g,8g-'], /'8g' is not hex/],
    [['0', '-8,8-'], /odd number of hex digits/],
    [['0', '-80,80'], /'80' is not a key range/],
    [['0', '-80'], /targets must partition the sources exactly/],
    [['-80,80-', '-40,40-80,80-'], /80- is both a source and a target/],
    [['-80', '-40,40-80', 'extra'], /takes two arguments/],
    [['-80', '-40,40-80', '--workflow=Bad-Name'], /workflow 'Bad-Name' is not valid/],
    [['-80', '-40,40-80', '--keyspace=9ks'], /keyspace '9ks' is not valid/],
    [['-80', '-40,40-80', '--server=nohost'], /--server 'nohost' is not host:port/],
  ])('%j is refused before anything runs', (words, reason) => {
    expect(() => validate(words)).toThrow(UsageError);
    expect(() => validate(words)).toThrow(reason);
  });

  it('lists the stages --until takes in --help', () => {
    const help = usage('reshard', reshardRunbook.summary, { ...commonFlags, ...reshardFlags });
    expect(help).toMatch(
      /--until <string> +stop after this stage \(preflight, create, copy, vdiff, switch-reads, switch-writes, complete, delete-sources\)/,
    );
  });

  it('refuses --until with --reverse or --cancel', () => {
    expect(() => validate(['-80', '-40,40-80', '--until=complete', '--reverse'])).toThrow(
      '--until is for a forward run, not with --reverse',
    );
    expect(() => validate(['-80', '-40,40-80', '--until=copy', '--cancel'])).toThrow(
      '--until is for a forward run, not with --cancel',
    );
  });

  it('takes shard names that start with a dash as positionals', () => {
    expect(() => validate(['-80', '-40,40-80', '--dry-run'])).not.toThrow();
    expect(
      parseArgs(['-80', '-40,40-80', '--dry-run'], { ...commonFlags, ...reshardFlags }).positionals,
    ).toEqual(['-80', '-40,40-80']);
  });

  it('names workflows by the key range they split', () => {
    expect(reshardWorkflowName(parseShardList('0', 's'))).toBe('reshard_min_max');
    expect(reshardWorkflowName(parseShardList('-80', 's'))).toBe('reshard_min_80');
    expect(reshardWorkflowName(parseShardList('40-80,80-c0', 's'))).toBe('reshard_40_c0');
  });
});

describe('scripts/movetables.mjs', () => {
  it('plans from the workflow state Vitess reports', async () => {
    current = at(fakeState({ kind: 'MoveTables' }), 'reads switched');
    const result = await runbook('movetables', ['--dry-run', '--json']);
    expect(result.exitCode).toBe(0);
    const report = JSON.parse(result.stdout) as {
      steps: Array<{ name: string; status: string; detail: string }>;
    };
    expect(report.steps.find((s) => s.name === 'read workflow state')?.detail).toBe(
      'chat_message.app2chat_message: reads switched (All Reads Switched. Writes Not Switched)',
    );
    expect(report.steps.filter((s) => s.status === 'planned').map((s) => s.detail)).toEqual([
      'vtctldclient --server 127.0.0.1:15999 GetRoutingRules > backup; vtctldclient --server 127.0.0.1:15999 MoveTables --target-keyspace chat_message --workflow app2chat_message switchtraffic --tablet-types=primary',
      'vtctldclient --server 127.0.0.1:15999 GetRoutingRules > backup; vtctldclient --server 127.0.0.1:15999 MoveTables --target-keyspace chat_message --workflow app2chat_message complete --rename-tables',
    ]);
  });

  it('refuses a stage only Reshard has, before calling Vitess', async () => {
    current = fakeState({ kind: 'MoveTables' });
    const result = await runbook('movetables', ['--until=delete-sources']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr.trim()).toBe(
      "movetables: --until 'delete-sources' is not a stage of movetables (stages: preflight, create, copy, vdiff, switch-reads, switch-writes, complete)",
    );
    expect(current.calls).toEqual([]);
  });

  it('refuses --cancel with --reverse', async () => {
    const result = await runbook('movetables', ['--cancel', '--reverse']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr.trim()).toBe('movetables: --reverse and --cancel exclude each other');
  });
});
