// HAProxy in the stacks (issue 12, item 8): the writer/reader endpoints on the app host, rendered as
// compose's file is, its health agent in HAProxy's network namespace, the monitor account on every node,
// and the app through the endpoints. The rendering itself is run by `haproxy -c` (Debian's haproxy).
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../lib/temp-dirs.ts';
import { parseAgentConfig } from '../toolkit/haproxy/agent/config.ts';
import { readShared, sharedFiles } from './shared-files.ts';
import {
  isSecretValue,
  type MockedResource,
  resourcesOf,
  runStack,
  type StackRun,
  testSecrets,
  unwrapSecrets,
} from './testing/run-stack.ts';

const runs: Partial<Record<'dev' | 'prod', StackRun>> = {};
beforeAll(async () => {
  runs.dev = await runStack('dev');
  runs.prod = await runStack('prod');
});

function container(run: StackRun, name: string): MockedResource {
  const found = resourcesOf(run, 'docker:index/container:Container').find((c) => c.name === name);
  if (!found) throw new Error(`no container ${name}`);
  return found;
}

function uploads(resource: MockedResource): Array<{ file: string; content: string }> {
  return unwrapSecrets(resource.inputs.uploads) as Array<{ file: string; content: string }>;
}

function upload(resource: MockedResource, file: string): string {
  const found = uploads(resource).find((u) => u.file === file);
  if (!found) throw new Error(`${resource.name} uploads no ${file}`);
  return found.content;
}

function envOf(resource: MockedResource): Record<string, string> {
  const envs = (unwrapSecrets(resource.inputs.envs) as string[] | undefined) ?? [];
  return Object.fromEntries(envs.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

describe.each(['dev', 'prod'] as const)('%s stack: HAProxy in front of MySQL on the app host', (stack) => {
  const run = () => runs[stack]!;
  const config = () => upload(container(run(), `${stack}-app-haproxy`), sharedFiles.haproxyConfig.target);

  it("is compose's file with the stack's slaves at their hosts' internal addresses, nothing else changed", () => {
    const slaves = run().outputs.inventory.mysql.slaves;
    expect(slaves.length).toBe(2);
    // compose's db-slave-N:3306 become the stack's <internal address>:<port>; the header names the stack.
    let expected = readShared(sharedFiles.haproxyConfig).replace(
      "inventory 'compose'",
      `inventory '${stack}'`,
    );
    for (const slave of slaves)
      expected = expected.replaceAll(`${slave.name}:3306`, `${slave.replicationHost}:${slave.port}`);
    expect(config()).toBe(expected);
    // Closed at start like compose's: the agent opens the servers (agent/server-opener.ts).
    expect(config()).toMatch(/^ {4}server db db:3306 agent-send "writer db\\n" disabled$/m);
  });

  it('passes haproxy -c, its runtime API a Unix socket, not a port', () => {
    const dir = makeTempDir('stack-haproxy-');
    try {
      const file = join(dir, 'haproxy.cfg');
      // The socket's directory and Docker's DNS do not exist here: point the one into the scratch dir.
      writeFileSync(file, config().replace(/stats socket \S+/, `stats socket ${join(dir, 'admin.sock')}`));
      expect(execFileSync('haproxy', ['-c', '-f', file], { encoding: 'utf8' })).toMatch(/valid/i);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(config()).toContain('stats socket /var/lib/haproxy/admin.sock mode 600 level admin');
  });

  it('publishes the endpoints on the host loopback only, and starts after the master', () => {
    const haproxy = container(run(), `${stack}-app-haproxy`);
    expect(haproxy.inputs.ports).toEqual([
      { internal: 3306, external: 10110, ip: '127.0.0.1' },
      { internal: 3307, external: 10111, ip: '127.0.0.1' },
    ]);
    expect(haproxy.inputs.image).toMatch(new RegExp(`^sha256:${stack}-app-image-haproxy-2-6`));
    expect(haproxy.options.dependencies).toContain(
      `urn:pulumi:${stack}::highload-social::social:infra:Host$docker:index/container:Container::${stack}-app-db`,
    );
  });

  it("runs the health agent in HAProxy's network namespace, on every node, with the password as a secret", () => {
    const agent = container(run(), `${stack}-app-haproxy-agent`);
    expect(agent.inputs.networkMode).toBe(`container:${stack}-app-haproxy-id`);
    expect(agent.inputs.networksAdvanced).toBeUndefined();
    expect(agent.inputs.command).toEqual([
      'node',
      'toolkit/haproxy/agent/main.js',
      '--config',
      '/etc/haproxy-agent.yml',
    ]);
    const agentConfig = parseAgentConfig(upload(agent, sharedFiles.haproxyAgentConfig.target), stack);
    const { master, slaves } = run().outputs.inventory.mysql;
    expect(agentConfig.listen).toEqual({ host: '127.0.0.1', port: 9300 });
    expect(agentConfig.nodes).toEqual([
      { name: master.name, host: 'db', port: 3306 },
      ...slaves.map((s) => ({ name: s.name, host: s.replicationHost, port: s.port })),
    ]);
    expect(agentConfig.monitor).toEqual({ user: 'monitor', passwordEnv: 'MYSQL_MONITOR_PASSWORD' });
    expect(isSecretValue(agent.inputs.uploads)).toBe(true);
    expect(envOf(agent)).toEqual({ MYSQL_MONITOR_PASSWORD_FILE: '/run/secrets/mysql-monitor-password' });
    expect(upload(agent, '/run/secrets/mysql-monitor-password')).toBe(
      `${testSecrets.mysqlMonitorPassword}\n`,
    );
    // It opens a fresh HAProxy's servers over the admin socket: HAProxy's volume, HAProxy's user.
    expect(agentConfig.openServers?.socket).toBe('/var/lib/haproxy/admin.sock');
    expect(agentConfig.openServers?.servers).toContainEqual({ backend: 'writer', server: master.name });
    // No runbook reaches that socket: the agent moves the writer itself after a failover (by epoch).
    expect(agentConfig.followWriter).toBe(true);
    expect(agent.inputs.user).toBe('99:99');
    expect(agent.inputs.volumes).toEqual([{ fromContainer: 'haproxy' }]);
    expect(container(run(), `${stack}-app-haproxy`).inputs.volumes).toEqual([
      expect.objectContaining({ containerPath: '/var/lib/haproxy' }),
    ]);
  });

  it('gives every MySQL node the monitor account at its first start, outside the binlog', () => {
    const nodes = resourcesOf(run(), 'docker:index/container:Container').filter((c) =>
      /^(db|db-slave-\d+)$/.test(c.inputs.name as string),
    );
    expect(nodes.length).toBe(3);
    for (const node of nodes) {
      expect(isSecretValue(node.inputs.uploads), node.name).toBe(true);
      expect(node.options.additionalSecretOutputs).toContain('uploads');
      const sql = upload(node, '/docker-entrypoint-initdb.d/monitor-user.sql');
      const lines = sql.split('\n').filter((l) => l && !l.startsWith('--'));
      expect(lines).toEqual([
        'SET SESSION sql_log_bin = 0;',
        `CREATE USER IF NOT EXISTS 'monitor'@'%' IDENTIFIED BY '${testSecrets.mysqlMonitorPassword}' WITH MAX_USER_CONNECTIONS 4;`,
        "GRANT REPLICATION CLIENT ON *.* TO 'monitor'@'%';",
        'CREATE DATABASE IF NOT EXISTS toolkit;',
        expect.stringMatching(/^CREATE TABLE IF NOT EXISTS toolkit\.topology_epoch \(.*\) ENGINE=InnoDB;$/),
        "GRANT SELECT ON toolkit.topology_epoch TO 'monitor'@'%';",
        'SET SESSION sql_log_bin = 1;',
      ]);
    }
  });

  it('points both app instances at the writer and reader endpoints, never at a node', () => {
    for (const name of ['app', 'app-2']) {
      const app = container(run(), `${stack}-app-${name}`);
      expect(envOf(app)).toMatchObject({
        MYSQL_HOST: 'haproxy',
        MYSQL_PORT: '3306',
        SLAVE_MYSQL_HOSTS: 'haproxy:3307',
      });
      expect(app.options.dependencies).toContain(
        `urn:pulumi:${stack}::highload-social::social:infra:Host$docker:index/container:Container::${stack}-app-haproxy`,
      );
    }
  });
});

describe('the monitor account init file', () => {
  it('quotes a password with quotes and backslashes as one MySQL string', async () => {
    const run = await runStack('dev', {});
    const sql = upload(container(run, 'dev-app-db'), '/docker-entrypoint-initdb.d/monitor-user.sql');
    // The test secret has neither; the quoting is checked on the function directly.
    expect(sql).toContain(`'${testSecrets.mysqlMonitorPassword}'`);
    const { monitorUserInit } = await import('./haproxy.ts');
    const { output } = await import('@pulumi/pulumi');
    const quoted = await new Promise<string>((resolve) => monitorUserInit(output("a'b\\c")).apply(resolve));
    expect(quoted).toContain("IDENTIFIED BY 'a''b\\\\c' WITH");
  });
});
