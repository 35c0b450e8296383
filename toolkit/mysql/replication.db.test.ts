import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { waitFor } from '../../lib/poll.ts';
import { makeTempDir } from '../../lib/temp-dirs.ts';
import type { Inventory } from '../inventory/schema.ts';
import { resolveSecret } from '../inventory/secrets.ts';
import { startMysqlNodes } from '../local/mysql-component.ts';
import { loadState } from '../local/state.ts';
import { quietRun, runRunbook, startTestCluster, type TestCluster } from '../local/testing.ts';
import { MysqlSession } from './session.ts';

let cluster: TestCluster;
let inventory: Inventory;
const sessions: MysqlSession[] = [];

async function open(name: string): Promise<MysqlSession> {
  const node = [inventory.mysql.master, ...inventory.mysql.slaves].find((n) => n.name === name)!;
  const session = await MysqlSession.open(node, inventory.mysql.admin);
  sessions.push(session);
  return session;
}

function changedSteps(report: { steps: Array<{ name: string; host: string; status: string }> } | undefined) {
  return (report?.steps ?? []).filter((s) => s.status === 'changed').map((s) => `${s.name}@${s.host}`);
}

beforeAll(async () => {
  // Servers that know nothing of each other: the runbooks must build the topology themselves.
  cluster = await startTestCluster({ slaves: 2, mode: 'bare' });
  inventory = cluster.inventory();
  const master = await open('db1');
  await master.exec('CREATE DATABASE IF NOT EXISTS app');
  await master.exec('CREATE TABLE app.item (id INT PRIMARY KEY, name VARCHAR(40) NOT NULL) ENGINE=InnoDB');
  await master.exec("INSERT INTO app.item SELECT seq, CONCAT('item ', seq) FROM app.seq_1_to_1000");
});

afterAll(async () => {
  for (const s of sessions) s.destroy();
  await cluster?.stop();
});

describe('replication.mjs against real servers', () => {
  it('builds master → 2 slaves from nothing, seeded from a snapshot, and verifies with a marker', async () => {
    const first = await runRunbook('replication', ['--json'], cluster.env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.report?.runbook).toBe('replication');
    expect(changedSteps(first.report)).toEqual(
      expect.arrayContaining([
        'replication user@db1',
        'replication user@db2',
        'replicate from db1@db2',
        'replicate from db1@db3',
      ]),
    );
    const marker = first.report!.steps.find((s) => s.name === 'marker write read back');
    expect(marker?.status).toBe('ok');
    expect(marker?.detail).toMatch(/db2 .*db3/);
    for (const name of ['db2', 'db3']) {
      const slave = await open(name);
      expect(await slave.value('SELECT COUNT(*) FROM app.item')).toBe('1000');
      const status = slave.flavor.parseReplicaStatus((await slave.one(slave.flavor.showReplicaStatus))!);
      expect(status).toMatchObject({
        sourcePort: inventory.mysql.master.port,
        autoPosition: true,
        ioState: 'Yes',
        sqlRunning: true,
        sourceUser: 'repl',
      });
      expect(await slave.value('SELECT @@GLOBAL.read_only')).toBe('1');
    }
    // The replication user can replicate and do nothing else.
    const master = await open('db1');
    const grants = await master.query("SHOW GRANTS FOR 'repl'@'%'");
    expect(grants.map((g) => String(Object.values(g)[0]))).toEqual([
      expect.stringMatching(/^GRANT REPLICATION SLAVE ON \*\.\* TO `repl`@`%`/),
    ]);
  });

  it('changes nothing on a second run', async () => {
    const second = await runRunbook('replication', ['--json'], cluster.env);
    expect(second.code, second.stderr).toBe(0);
    expect(second.report?.changed).toBe(0);
    expect(second.report?.steps.every((s) => s.status === 'ok')).toBe(true);
  });

  it('turns semi-sync on, verified by status counters, and changes nothing the second time', async () => {
    const first = await runRunbook('semisync', ['--json'], cluster.env);
    expect(first.code, first.stderr).toBe(0);
    expect(changedSteps(first.report)).toEqual(
      expect.arrayContaining(['semi-sync settings@db1', 'semi-sync active@db2', 'semi-sync active@db3']),
    );
    const master = await open('db1');
    const status = await master.status(['Rpl_semi_sync_master_status', 'Rpl_semi_sync_master_clients']);
    expect(status).toEqual({ Rpl_semi_sync_master_status: 'ON', Rpl_semi_sync_master_clients: '2' });
    expect(await master.value('SELECT @@GLOBAL.rpl_semi_sync_master_wait_point')).toBe('AFTER_SYNC');
    const second = await runRunbook('semisync', ['--json'], cluster.env);
    expect(second.code, second.stderr).toBe(0);
    expect(second.report?.changed).toBe(0);
  });

  it('prints the plan and touches nothing with --dry-run', async () => {
    const db3 = await open('db3');
    await db3.exec(db3.flavor.stopReplica);
    const plan = await runRunbook('replication', ['--json', '--dry-run'], cluster.env);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.report?.changed).toBe(0);
    expect(plan.report?.steps.find((s) => s.host === 'db3' && s.name === 'replicate from db1')).toMatchObject(
      { status: 'planned', detail: expect.stringMatching(/^start: /) },
    );
    expect(db3.flavor.parseReplicaStatus((await db3.one(db3.flavor.showReplicaStatus))!).sqlRunning).toBe(
      false,
    );
    const repair = await runRunbook('replication', ['--json'], cluster.env);
    expect(changedSteps(repair.report)).toEqual(['replicate from db1@db3']);
  });

  it('reseeds a diverged slave, survives SIGKILL of that slave mid-seed, and converges on the re-run', async () => {
    const master = await open('db1');
    await master.exec(
      'CREATE TABLE app.bulk (id INT PRIMARY KEY, payload VARCHAR(200) NOT NULL) ENGINE=InnoDB',
    );
    await master.exec('INSERT INTO app.bulk SELECT seq, REPEAT(MD5(seq), 6) FROM app.seq_1_to_300000');
    // An errant transaction on db3: it now holds a GTID the master never had, so it must be reseeded.
    const db3 = await open('db3');
    await db3.exec('SET GLOBAL read_only = OFF');
    await db3.exec("INSERT INTO app.item VALUES (5000, 'only on db3')");

    const running = runRunbook('replication', ['--json'], cluster.env);
    const watcher = await MysqlSession.open(inventory.mysql.slaves[1]!, inventory.mysql.admin);
    sessions.push(watcher);
    // The snapshot is being loaded once the loader's connection is inserting into app.bulk.
    await waitFor(
      async () =>
        Number(
          await watcher.value(
            "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE 'INSERT INTO `bulk`%'",
          ),
        ) > 0
          ? true
          : undefined,
      { timeoutMs: 60_000, intervalMs: 5, what: 'the snapshot load on db3' },
    );
    const pid = loadState().mysql.nodes.find((n) => n.name === 'db3')!.pid!;
    process.kill(pid, 'SIGKILL');
    const interrupted = await running;
    expect(interrupted.code).toBe(1);
    const failed = interrupted.report?.steps.find((s) => s.status === 'failed');
    expect(failed).toMatchObject({ host: 'db3' });
    expect(interrupted.stderr.trim().split('\n').pop()).toMatch(/^error: .+ on db3: .+/);

    await waitFor(
      async () => {
        try {
          process.kill(pid, 0);
          return undefined;
        } catch {
          return true;
        }
      },
      { timeoutMs: 10_000, what: 'the killed mariadbd to disappear' },
    );
    await startMysqlNodes(quietRun());
    const rerun = await runRunbook('replication', ['--json'], cluster.env);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(changedSteps(rerun.report)).toContain('replicate from db1@db3');
    const restarted = await MysqlSession.open(inventory.mysql.slaves[1]!, inventory.mysql.admin);
    sessions.push(restarted);
    await waitFor(
      async () => ((await restarted.value('SELECT COUNT(*) FROM app.bulk')) === '300000' ? true : undefined),
      {
        timeoutMs: 30_000,
        what: 'app.bulk on db3',
      },
    );
    const [expected] = await master.query('CHECKSUM TABLE app.bulk, app.item');
    const checksums = async (s: MysqlSession) =>
      (await s.query('CHECKSUM TABLE app.bulk, app.item')).map((r) => String(r.Checksum));
    expect(await checksums(restarted)).toEqual(await checksums(master));
    expect(expected).toBeDefined();
    expect(await restarted.value('SELECT COUNT(*) FROM app.item WHERE id = 5000')).toBe('0');

    const third = await runRunbook('replication', ['--json'], cluster.env);
    expect(third.report?.changed).toBe(0);
  });

  it('refuses two nodes with one server_id, and changes nothing', async () => {
    const db3 = await open('db3');
    await db3.exec('SET GLOBAL server_id = 2');
    try {
      const result = await runRunbook('replication', ['--json'], cluster.env);
      expect(result.code).toBe(1);
      expect(result.report?.changed).toBe(0);
      expect(result.report?.steps.find((s) => s.status === 'failed')).toMatchObject({
        name: 'unique server ids',
        detail: 'db2 and db3 have the same server_id 2; give each server its own',
      });
    } finally {
      await db3.exec('SET GLOBAL server_id = 3');
    }
  });
});

describe('bad input', () => {
  let envDir: string;
  const writeEnv = (name: string, mutate: (inv: Record<string, unknown>) => void) => {
    const inv = structuredClone(inventory) as unknown as Record<string, unknown> & {
      mysql: Record<string, unknown>;
    };
    delete (inv as { name?: string }).name;
    inv.mysql.admin = { user: 'admin', password: 'env:TEST_ADMIN_PASSWORD' };
    mutate(inv);
    writeFileSync(join(envDir, `${name}.yaml`), stringify(inv));
  };

  beforeAll(() => {
    envDir = makeTempDir('toolkit-envs-');
  });

  it('names an unknown environment and exits 2', async () => {
    const result = await runRunbook('replication', ['--env', 'nowhere'], {
      ...cluster.env,
      TOOLKIT_ENVIRONMENTS_DIR: envDir,
    });
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toMatch(
      /^replication: unknown environment 'nowhere': no .*nowhere\.yaml \(known: local/,
    );
  });

  it('reports a wrong password without showing it, and changes nothing', async () => {
    writeEnv('wrongpw', () => {});
    const wrong = 'not-the-admin-password-42';
    const result = await runRunbook('replication', ['--env', 'wrongpw', '--json'], {
      ...cluster.env,
      TOOLKIT_ENVIRONMENTS_DIR: envDir,
      TEST_ADMIN_PASSWORD: wrong,
    });
    expect(result.code).toBe(1);
    expect(result.report?.changed).toBe(0);
    expect(result.stderr).toMatch(
      /access denied for user 'admin' on db1 .*check the secret env:TEST_ADMIN_PASSWORD/,
    );
    expect(result.stdout + result.stderr).not.toContain(wrong);
  });

  it('names an unreachable host, and changes nothing', async () => {
    const master = await open('db1');
    const usersBefore = await master.value('SELECT COUNT(*) FROM mysql.user');
    writeEnv('unreachable', (inv) => {
      (inv.mysql as { slaves: Array<{ port: number; name: string }> }).slaves[1] = {
        name: 'db9',
        host: '127.0.0.1',
        port: 1,
      } as never;
    });
    const result = await runRunbook('replication', ['--env', 'unreachable', '--json'], {
      ...cluster.env,
      TOOLKIT_ENVIRONMENTS_DIR: envDir,
      TEST_ADMIN_PASSWORD: resolveSecret('local:mysql-admin'),
    });
    expect(result.code).toBe(1);
    expect(result.report?.changed).toBe(0);
    expect(result.stderr.trim().split('\n').pop()).toBe(
      'error: reachable on db9: cannot reach db9 at 127.0.0.1:1: connection refused (is the server running?)',
    );
    expect(await master.value('SELECT COUNT(*) FROM mysql.user')).toBe(usersBefore);
  });

  it('refuses a slave that points at the master itself before connecting anywhere', async () => {
    writeEnv('selfslave', (inv) => {
      const mysql = inv.mysql as {
        master: { host: string; port: number };
        slaves: Array<{ host: string; port: number }>;
      };
      mysql.slaves[0] = { ...mysql.slaves[0]!, host: mysql.master.host, port: mysql.master.port };
    });
    const result = await runRunbook('replication', ['--env', 'selfslave'], {
      ...cluster.env,
      TOOLKIT_ENVIRONMENTS_DIR: envDir,
    });
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toMatch(
      /slave db2 points at 127\.0\.0\.1:\d+, which is master db1 already \(a slave cannot replicate from itself\)$/,
    );
  });

  it('rejects an unknown flag with the list of known ones', async () => {
    const result = await runRunbook('semisync', ['--dryrun'], cluster.env);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(
      'semisync: unknown flag --dryrun (known: --env, --dry-run, --json, --help)',
    );
  });
});
