import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../lib/poll.ts';
import type { TarantoolClient } from '../../lib/tarantool/iproto.ts';
import { isOurs } from '../host/process.ts';
import type { Inventory } from '../inventory/schema.ts';
import { loadState, updateState } from '../local/state.ts';
import { runRunbook, startTestCluster, type TestCluster } from '../local/testing.ts';
import { MysqlSession } from '../mysql/session.ts';
import { replicatorMarker } from './server.ts';
import { createUserTable, insertUsers } from './test-users.ts';
import { startTestTarantool, type TestTarantool } from './testing.ts';

let cluster: TestCluster;
let tarantool: TestTarantool;
let inventory: Inventory;
let master: MysqlSession;
let admin: TarantoolClient;

const runbook = (...args: string[]) => runRunbook('tarantool', [...args, '--json'], cluster.env);
const step = (report: Awaited<ReturnType<typeof runbook>>['report'], name: string) =>
  report?.steps.filter((s) => s.name === name) ?? [];

beforeAll(async () => {
  [cluster, tarantool] = await Promise.all([startTestCluster({ slaves: 1 }), startTestTarantool()]);
  updateState((state) => {
    state.services.tarantool = { host: tarantool.host, port: tarantool.port, owned: false };
  });
  const secretsFile = join(cluster.stateDir, 'secrets.json');
  const secrets = JSON.parse(readFileSync(secretsFile, 'utf8')) as Record<string, string>;
  writeFileSync(
    secretsFile,
    JSON.stringify({
      ...secrets,
      'tarantool-admin': tarantool.adminPassword,
      'tarantool-app': tarantool.appPassword,
      'mysql-replicator': `r-${Math.random().toString(36).slice(2)}`,
    }),
  );
  inventory = cluster.inventory();
  master = await MysqlSession.open(inventory.mysql.master, inventory.mysql.admin);
  admin = await tarantool.admin();
  await createUserTable(master, 'app');
  await insertUsers(master, 'app', 1, 5_000);
}, 240_000);

afterAll(async () => {
  const pid = loadState().services.replicator?.pid;
  if (isOurs(pid, replicatorMarker)) process.kill(pid, 'SIGKILL');
  admin?.close();
  await master?.close();
  await Promise.allSettled([tarantool?.stop(), cluster?.stop()]);
}, 120_000);

describe('scripts/tarantool.mjs', () => {
  it('keeps the replicator account, starts the replicator and reports it caught up, with its log', async () => {
    const result = await runbook();
    expect(result.code, result.stderr + result.stdout).toBe(0);
    const report = result.report!;
    expect(step(report, 'schema')[0]?.status).toBe('ok');
    expect(step(report, 'replicator user').map((s) => [s.host, s.status])).toEqual([
      ['db1', 'changed'],
      ['db2', 'changed'],
    ]);
    expect(step(report, 'replicator')[0]?.status).toBe('changed');
    expect(step(report, 'lag')[0]?.detail).toMatch(/^caught up at .*; 5,000 users in Tarantool$/);
    expect(step(report, 'log')[0]?.detail).toMatch(/last \d+ lines of .*replicator\.log/);
    const [count] = await admin.call('user_count');
    expect(count).toBe(5_000);
  }, 180_000);

  it('changes nothing on a second run, and the replica follows new users', async () => {
    const result = await runbook();
    expect(result.code, result.stderr).toBe(0);
    expect(result.report!.changed).toBe(0);
    await master.exec(
      "INSERT INTO app.user (first_name, second_name, password_hash) VALUES ('Новый', 'Пользователь', 'x')",
    );
    const id = await master.value('SELECT MAX(id) FROM app.user');
    const found = await waitFor(
      async () => {
        const [users] = await admin.call('user_search', ['нов', 'польз', 10]);
        return (users as unknown[][]).length > 0 ? (users as unknown[][]) : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 50, what: 'the new user in the Tarantool search' },
    );
    expect(String(found[0]![0])).toBe(id);
  }, 120_000);

  it('restarts the replicator on --restart and it resumes where it was', async () => {
    const before = loadState().services.replicator?.pid;
    const result = await runbook('--restart');
    expect(result.code, result.stderr).toBe(0);
    expect(step(result.report, 'replicator')[0]?.status).toBe('changed');
    const after = loadState().services.replicator?.pid;
    expect(after).not.toBe(before);
    expect(isOurs(before, replicatorMarker)).toBe(false);
    expect(step(result.report, 'lag')[0]?.detail).toMatch(/^caught up/);
  }, 120_000);

  it('rejects a bad flag before touching anything', async () => {
    const result = await runbook('--wait=-1');
    expect(result.code).toBe(2);
  });
});
