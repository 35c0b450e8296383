import { readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../lib/poll.ts';
import { loadState } from '../local/state.ts';
import { runRunbook, startTestCluster, type TestCluster } from '../local/testing.ts';
import { auditLogFile, readAuditLog } from '../procedure/audit-log.ts';

let cluster: TestCluster;

beforeAll(async () => {
  cluster = await startTestCluster({ slaves: 2, mode: 'replicating' });
});

afterAll(async () => {
  await cluster?.stop();
});

describe('two failover.mjs --switchover started at once', () => {
  it('one runs, the other is refused naming it, and both leave a line in the audit log', async () => {
    // db2 has received a transaction it has not applied: whichever run gets the lock waits in its
    // catch-up step until db2 applies it, so the two runs overlap however the machine schedules them.
    const db2 = await cluster.session('db2');
    await db2.exec('STOP SLAVE SQL_THREAD');
    const master = await cluster.session('db1');
    await master.exec('CREATE TABLE app.lock_probe (id INT PRIMARY KEY) ENGINE=InnoDB');
    const args = ['--switchover', '--json', '--catch-up-timeout', '240'];
    const runs = [runRunbook('failover', args, cluster.env), runRunbook('failover', args, cluster.env)];
    try {
      await waitFor(
        async () => readAuditLog(cluster.stateDir).some((e) => e.outcome === 'refused') || undefined,
        {
          timeoutMs: 180_000,
          what: 'the second switchover to be refused',
        },
      );
    } finally {
      await db2.exec('START SLAVE SQL_THREAD');
    }
    const results = await Promise.all(runs);
    const ran = results.find((r) => r.code === 0);
    const refused = results.find((r) => r.code === 1);
    expect(ran, results.map((r) => r.stderr).join('\n')).toBeDefined();
    expect(refused, results.map((r) => r.stderr).join('\n')).toBeDefined();

    const entries = readAuditLog(cluster.stateDir);
    expect(entries.map((e) => e.outcome)).toEqual(['refused', 'ok']);
    const [refusal, done] = entries;
    // The refused run names the one that ran: runbook, pid, host and start time, on one line.
    expect(refusal?.heldBy).toEqual({
      runbook: 'failover',
      env: 'local',
      pid: done?.pid,
      host: hostname(),
      startedAt: expect.any(String),
    });
    expect(refused!.stderr.trim()).toBe(
      `failover: refused: failover (pid ${done?.pid} on ${hostname()}, since ${refusal?.heldBy?.startedAt}) holds the operation lock of local; it is still running`,
    );
    expect(refused!.report).toMatchObject({ runbook: 'failover', changed: 0, steps: [] });
    expect(refusal).toMatchObject({ runbook: 'failover', env: 'local', changed: 0, steps: [], args });

    // The run that ran switched over once and logged its --json report with the statements of each step.
    expect(done).toMatchObject(ran!.report!);
    expect(loadState().mysql.fenced).toEqual(['db1']);
    const promoted = done!.steps.find((s) => s.name === 'promoted to master');
    expect(promoted?.statements?.length).toBeGreaterThan(0);
    const repointed = done!.steps
      .flatMap((s) => s.statements ?? [])
      .find((s) => /^CHANGE MASTER TO/.test(s.text));
    expect(repointed?.text).toMatch(/MASTER_PASSWORD\s*=\s*'\*\*\*'/);

    const log = readFileSync(auditLogFile(cluster.stateDir), 'utf8');
    const secrets = JSON.parse(readFileSync(join(cluster.stateDir, 'secrets.json'), 'utf8')) as Record<
      string,
      string
    >;
    for (const secret of Object.values(secrets)) expect(log).not.toContain(secret);
    expect(statSync(auditLogFile(cluster.stateDir)).mode & 0o777).toBe(0o600);
    const newMaster = await cluster.session(loadState().mysql.master);
    expect(
      await newMaster.value('SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_NAME = ?', [
        'lock_probe',
      ]),
    ).toBe('1');
  }, 400_000);
});
