import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { readAuditLog } from './audit-log.ts';
import { type RunbookDefinition, runbookMain } from './main.ts';
import { registerSecret } from './redact.ts';
import { recordStatement } from './statements.ts';

// Each test file runs in its own worker, so this does not leak into other files.
const root = mkdtempSync(join(tmpdir(), 'toolkit-main-'));
const environments = join(root, 'environments');
process.env.TOOLKIT_ENVIRONMENTS_DIR = environments;
const stateDir = join(environments, '.local', 'staging');
mkdirSync(environments, { recursive: true });
writeFileSync(
  join(environments, 'staging.yaml'),
  `mysql:
  database: app
  master: { name: db1, host: 10.0.0.1, port: 3306 }
  slaves: [{ name: db2, host: 10.0.0.2, port: 3306 }]
  admin: { user: admin, password: "env:STAGING_MYSQL_ADMIN" }
  replication: { user: repl, password: "env:STAGING_MYSQL_REPL" }
  app: { user: app, password: "env:STAGING_MYSQL_APP" }
redis: { host: 10.0.0.5, port: 6379 }
rabbitmq: { host: 10.0.0.6, port: 5672, credential: { user: app, password: "env:STAGING_RABBITMQ" } }
`,
);
afterAll(() => rmSync(root, { recursive: true, force: true }));

let stderr: string[];
let stdout: string[];
beforeEach(() => {
  stderr = [];
  stdout = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((text) => stderr.push(String(text)) > 0);
  vi.spyOn(process.stdout, 'write').mockImplementation((text) => stdout.push(String(text)) > 0);
  rmSync(stateDir, { recursive: true, force: true });
});
afterEach(() => vi.restoreAllMocks());

/** A topology runbook whose one step records what it executed, and waits for `release` while it holds the lock. */
function topologyRunbook(gate?: Promise<void>): RunbookDefinition<Record<string, never>> {
  return {
    name: 'switch',
    summary: 'test',
    changesTopology: true,
    async procedure(run) {
      await run.action('promoted', 'db2', 'promote db2', async () => {
        recordStatement('db2', "ALTER USER 'repl'@'%' IDENTIFIED BY 'main-test-secret-5'");
        await gate;
        return 'db2 is the master';
      });
    },
  };
}

describe('runbookMain for a runbook that changes the topology', () => {
  it('refuses a second run while the first holds the lock, and both leave a line in the audit log', async () => {
    registerSecret('main-test-secret-5');
    let open = () => {};
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const first = runbookMain(topologyRunbook(gate), ['--env', 'staging', '--json']);
    // The first run holds the lock from before its first step; wait until it is in that step.
    await vi.waitFor(() => expect(existsSync(join(stateDir, 'operation.lock'))).toBe(true));
    const second = await runbookMain(topologyRunbook(), ['--env', 'staging']);
    expect(second).toBe(1);
    const refusal = stderr.join('');
    expect(refusal).toBe(
      `switch: refused: switch (pid ${process.pid} on ${hostname()}, since ${readAuditLog(stateDir)[0]?.heldBy?.startedAt}) holds the operation lock of staging; it is still running\n`,
    );
    open();
    expect(await first).toBe(0);
    expect(existsSync(join(stateDir, 'operation.lock'))).toBe(false);

    const [refused, done] = readAuditLog(stateDir);
    expect(refused).toMatchObject({
      runbook: 'switch',
      env: 'staging',
      outcome: 'refused',
      steps: [],
      heldBy: { runbook: 'switch', pid: process.pid },
      args: ['--env', 'staging'],
    });
    expect(refused?.error).toBe(refusal.replace('switch: ', '').trim());
    expect(done).toMatchObject({
      outcome: 'ok',
      changed: 1,
      args: ['--env', 'staging', '--json'],
      steps: [
        {
          name: 'promoted',
          host: 'db2',
          status: 'changed',
          statements: [{ host: 'db2', text: "ALTER USER 'repl'@'%' IDENTIFIED BY '***'" }],
        },
      ],
    });
    // The audit line is the --json report the first run printed, plus who, when and with which words.
    const printed = JSON.parse(stdout.join('').trim());
    expect(done).toMatchObject(printed);
  });

  it('records a failed run as failed, and frees the lock', async () => {
    const failing: RunbookDefinition<Record<string, never>> = {
      ...topologyRunbook(),
      async procedure(run) {
        await run.action('promoted', 'db2', 'promote', async () => {
          throw new Error('db2 went away');
        });
      },
    };
    expect(await runbookMain(failing, ['--env', 'staging'])).toBe(1);
    expect(readAuditLog(stateDir)).toMatchObject([
      { outcome: 'failed', error: 'promoted on db2: db2 went away', steps: [{ status: 'failed' }] },
    ]);
    expect(await runbookMain(topologyRunbook(), ['--env', 'staging'])).toBe(0);
  });

  it('says so and exits 1 when the audit log cannot be written, and still frees the lock', async () => {
    mkdirSync(join(stateDir, 'audit.log'), { recursive: true });
    expect(await runbookMain(topologyRunbook(), ['--env', 'staging'])).toBe(1);
    expect(stderr.join('')).toMatch(/^switch: the audit log was not written: EISDIR/m);
    expect(existsSync(join(stateDir, 'operation.lock'))).toBe(false);
  });

  it('takes no lock and writes no audit line for a runbook that leaves the topology alone', async () => {
    const report = { ...topologyRunbook(), changesTopology: false };
    expect(await runbookMain(report, ['--env', 'staging'])).toBe(0);
    expect(existsSync(stateDir)).toBe(false);
  });
});
