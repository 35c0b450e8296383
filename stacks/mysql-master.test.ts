// The master after a failover in a stack (issue 20): `mysqlMaster` moves HAProxy's writer and the
// inventory's master to the promoted slave, and a `pulumi up` with it recreates HAProxy alone.
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAgentConfig } from '../toolkit/haproxy/agent/config.ts';
import { sharedFiles } from './shared-files.ts';
import {
  type MockedResource,
  resourcesOf,
  runStack,
  type StackRun,
  unwrapSecrets,
} from './testing/run-stack.ts';

const runs: Record<string, StackRun> = {};
beforeAll(async () => {
  runs.before = await runStack('prod');
  runs.after = await runStack('prod', { 'highload-social:mysqlMaster': 'db-slave-1' });
});

const uploadOf = (run: StackRun, container: string, file: string) => {
  const found = resourcesOf(run, 'docker:index/container:Container').find((c) => c.name === container)!;
  const uploads = unwrapSecrets(found.inputs.uploads) as Array<{ file: string; content: string }>;
  return uploads.find((u) => u.file === file)!.content;
};
/**
 * The writer backend's servers by node, and whether each is opened: every server starts in maint and
 * the health agent opens the ones its config lists (openServers), the master's writer among them.
 */
const writerServers = (run: StackRun): Record<string, { address: string; open: boolean }> => {
  const config = uploadOf(run, 'prod-app-haproxy', sharedFiles.haproxyConfig.target);
  const agent = parseAgentConfig(
    uploadOf(run, 'prod-app-haproxy-agent', sharedFiles.haproxyAgentConfig.target),
    'prod',
  );
  const opened = new Set(
    (agent.openServers?.servers ?? []).filter((s) => s.backend === 'writer').map((s) => s.server),
  );
  const section = config
    .split(/\n(?=backend |frontend |listen )/)
    .find((s) => s.startsWith('backend writer'))!;
  return Object.fromEntries(
    [...section.matchAll(/^\s+server (\S+) (\S+) .*$/gm)].map((m) => [
      m[1],
      { address: m[2], open: opened.has(m[1]!) },
    ]),
  );
};

describe('mysqlMaster after a failover', () => {
  it("opens HAProxy's writer on the promoted slave only, at its internal address, and keeps db as a node", () => {
    const before = writerServers(runs.before!);
    const after = writerServers(runs.after!);
    expect(
      Object.entries(before)
        .filter(([, s]) => s.open)
        .map(([n]) => n),
    ).toEqual(['db']);
    expect(
      Object.entries(after)
        .filter(([, s]) => s.open)
        .map(([n]) => n),
    ).toEqual(['db-slave-1']);
    expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
    expect(after['db-slave-1']!.address).toBe(before['db-slave-1']!.address);
    expect(after['db-slave-1']!.address).toMatch(/^10\.10\.0\.\d+:10101$/);
    expect(after.db!.address).toBe('db:3306');
  });

  it('names the promoted slave master in the inventory output, the first master among the slaves', () => {
    const { mysql } = runs.after!.outputs.inventory;
    const { mysql: was } = runs.before!.outputs.inventory;
    expect(mysql.master).toEqual(was.slaves.find((s) => s.name === 'db-slave-1'));
    expect(mysql.slaves.map((s) => s.name)).toEqual([
      'db',
      ...was.slaves.map((s) => s.name).filter((n) => n !== 'db-slave-1'),
    ]);
    expect(mysql.slaves[0]).toEqual(was.master);
  });

  it('changes HAProxy and its agent and nothing else', () => {
    const byUrn = (run: StackRun) => new Map(run.resources.map((r) => [r.urn, r]));
    const same = (a: MockedResource, b: MockedResource) =>
      JSON.stringify(a.inputs) === JSON.stringify(b.inputs);
    const before = byUrn(runs.before!);
    const after = byUrn(runs.after!);
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    const changed = [...before.values()].filter((r) => !same(r, after.get(r.urn)!)).map((r) => r.name);
    expect(changed.sort()).toEqual(['prod-app-haproxy', 'prod-app-haproxy-agent']);
  });

  it('refuses a master that is no node of the stack, with one line naming the key', async () => {
    await expect(runStack('dev', { 'highload-social:mysqlMaster': 'db-slave-7' })).rejects.toThrow(
      'stack config mysqlMaster: db-slave-7 is not a MySQL node of this stack (db, db-slave-1, db-slave-2)',
    );
  });
});
