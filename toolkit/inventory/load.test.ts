import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../lib/temp-dirs.ts';
import { LocalInventorySource } from '../local/inventory.ts';
import { ToolkitError, UsageError } from '../procedure/errors.ts';
import { inventorySource, openInventory } from './load.ts';
import { repoRoot } from './paths.ts';
import type { Topology } from './source.ts';
import { deepMerge, YamlInventorySource } from './yaml-source.ts';

// Each test file runs in its own worker, so these do not leak into other files.
const root = makeTempDir('toolkit-inventory-');
const envDir = join(root, 'environments');
const stateDir = join(root, 'state');
process.env.TOOLKIT_ENVIRONMENTS_DIR = envDir;
process.env.TOOLKIT_STATE_DIR = stateDir;

afterAll(() => rmSync(root, { recursive: true, force: true }));

const stagingYaml = `# Staging: three VMs in one zone.
mysql:
  database: app
  # The master takes all writes.
  master: { name: db1, host: 10.0.0.1, port: 3306 }
  slaves:
    - name: db2 # first slave
      host: 10.0.0.2
      port: 3306
    - { name: db3, host: 10.0.0.3, port: 3306 }
  # Passwords come from the CI secret store.
  admin: { user: admin, password: "env:STAGING_MYSQL_ADMIN" }
  replication: { user: repl, password: "env:STAGING_MYSQL_REPL" }
  app: { user: app, password: "env:STAGING_MYSQL_APP" }
  semisync: { timeoutMs: 5000 }
redis: { host: 10.0.0.5, port: 6379 } # no password on the private network
rabbitmq:
  host: 10.0.0.6
  port: 5672
  credential: { user: app, password: "env:STAGING_RABBITMQ" }
`;

const gcpYaml = `# Endpoints come from the Pulumi stack; this file adds credentials and overrides.
pulumi: { stack: highload/gcp }
mysql:
  database: app
  admin: { user: admin, password: "env:GCP_MYSQL_ADMIN" }
  replication: { user: repl, password: "env:GCP_MYSQL_REPL" }
  app: { user: app, password: "env:GCP_MYSQL_APP" }
  maxLagSeconds: 10
redis: { port: 6380 } # overrides the stack's port
rabbitmq:
  credential: { user: app, password: "env:GCP_RABBITMQ" }
`;

const gcpOutputs = {
  appUrl: 'http://34.0.0.10',
  inventory: {
    mysql: {
      master: { name: 'db1', host: '10.128.0.11', port: 3306 },
      slaves: [
        { name: 'db2', host: '10.128.0.12', port: 3306 },
        { name: 'db3', host: '10.128.0.13', port: 3306 },
      ],
    },
    redis: { host: '10.128.0.20', port: 6379 },
    rabbitmq: { host: '10.128.0.21', port: 5672 },
    app: { url: 'http://34.0.0.10' },
  },
};

const file = (name: string) => join(envDir, name);
const originOf = (name: string) => relative(repoRoot, file(name));

beforeEach(() => {
  rmSync(envDir, { recursive: true, force: true });
  rmSync(stateDir, { recursive: true, force: true });
  mkdirSync(envDir, { recursive: true });
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(file('staging.yaml'), stagingYaml);
  writeFileSync(file('gcp.yaml'), gcpYaml);
  writeFileSync(file('gcp.outputs.json'), JSON.stringify(gcpOutputs, null, 2));
});

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(Error);
    return error as Error;
  }
  throw new Error('expected a rejection');
}

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(Error);
    return error as Error;
  }
  throw new Error('expected an error');
}

describe('inventorySource', () => {
  it('finds environments/<env>.yaml in TOOLKIT_ENVIRONMENTS_DIR', () => {
    const source = inventorySource('staging');
    expect(source).toBeInstanceOf(YamlInventorySource);
    expect(source.env).toBe('staging');
    expect(source.origin).toBe(originOf('staging.yaml'));
  });

  it("gives the local environment's own source for 'local'", () => {
    expect(inventorySource('local')).toBeInstanceOf(LocalInventorySource);
  });

  it('names the known environments when the one asked for does not exist', () => {
    writeFileSync(file('notes.txt'), 'not an environment');
    const error = thrown(() => inventorySource('prod'));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toBe(
      `unknown environment 'prod': no ${relative(repoRoot, file('prod.yaml'))} (known: local, gcp, staging)`,
    );
  });

  it('lists only local when the environments folder does not exist', () => {
    rmSync(envDir, { recursive: true, force: true });
    expect(thrown(() => inventorySource('prod')).message).toMatch(/\(known: local\)$/);
  });

  it.each(['Prod', '1staging', '../staging', 'stag ing', '', 'staging.yaml', `a${'b'.repeat(63)}`])(
    'rejects the environment name %j',
    (name) => {
      const error = thrown(() => inventorySource(name));
      expect(error).toBeInstanceOf(UsageError);
      expect(error.message).toBe(
        `environment name '${name}' is not valid (lower-case letters, digits, - and _)`,
      );
    },
  );
});

describe('YAML environments', () => {
  it('loads and validates a YAML environment, named after its file', async () => {
    const { inventory, source } = await openInventory('staging');
    expect(source.env).toBe('staging');
    expect(inventory.name).toBe('staging');
    expect(inventory.mysql.master).toEqual({ name: 'db1', host: '10.0.0.1', port: 3306 });
    expect(inventory.mysql.slaves.map((s) => s.name)).toEqual(['db2', 'db3']);
    expect(inventory.mysql.admin).toEqual({ user: 'admin', password: 'env:STAGING_MYSQL_ADMIN' });
    expect(inventory.mysql.semisync).toEqual({ timeoutMs: 5000 });
    expect(inventory.redis).toEqual({ host: '10.0.0.5', port: 6379 });
  });

  it('reports a YAML syntax error as one line naming the file', async () => {
    writeFileSync(file('broken.yaml'), 'mysql:\n  master: [db1, {host: 10.0.0.1\n  slaves: []\n');
    const error = await rejection(inventorySource('broken').load());
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message.startsWith(`inventory ${originOf('broken.yaml')}: `)).toBe(true);
    expect(error.message).not.toContain('\n');
    expect(error.message.length).toBeGreaterThan(`inventory ${originOf('broken.yaml')}: `.length);
  });

  it('reports a tab-indented YAML file as one line', async () => {
    writeFileSync(file('tabs.yaml'), 'mysql:\n\tdatabase: app\n');
    const error = await rejection(inventorySource('tabs').load());
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).not.toContain('\n');
  });

  it('validates what it loads, naming the file and the field', async () => {
    writeFileSync(
      file('typo.yaml'),
      stagingYaml.replace('redis: { host: 10.0.0.5, port: 6379 }', 'redis: { host: 10.0.0.5, port: "6379" }'),
    );
    const error = await rejection(inventorySource('typo').load());
    expect(error.message).toBe(
      `inventory ${originOf('typo.yaml')}: /redis/port: expected integer, got "6379"`,
    );
  });

  it('rejects an empty file as an inventory with nothing in it', async () => {
    writeFileSync(file('empty.yaml'), '# nothing yet\n');
    const error = await rejection(inventorySource('empty').load());
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toMatch(
      new RegExp(`^inventory ${originOf('empty.yaml').replaceAll('.', '\\.')}: /\\w+: is required$`),
    );
  });

  it('writes a new topology back into the YAML, keeping its comments', async () => {
    const source = inventorySource('staging');
    const before = await source.load();
    const topology: Topology = {
      master: before.mysql.slaves[0]!,
      slaves: [before.mysql.slaves[1]!],
      fenced: [before.mysql.master],
    };
    await source.saveTopology(topology);

    const text = readFileSync(file('staging.yaml'), 'utf8');
    expect(text).toContain('# Staging: three VMs in one zone.');
    expect(text).toContain('# Passwords come from the CI secret store.');
    expect(text).toContain('# no password on the private network');
    expect(text).toContain('password: "env:STAGING_MYSQL_ADMIN"');

    const after = await inventorySource('staging').load();
    expect(after.mysql.master).toEqual({ name: 'db2', host: '10.0.0.2', port: 3306 });
    expect(after.mysql.slaves).toEqual([{ name: 'db3', host: '10.0.0.3', port: 3306 }]);
    expect(after.mysql.fenced).toEqual([{ name: 'db1', host: '10.0.0.1', port: 3306 }]);
    expect(after.mysql.admin).toEqual(before.mysql.admin);
    expect(after.redis).toEqual(before.redis);
    // A YAML environment keeps its topology in its own file, not in an override.
    expect(existsSync(join(stateDir, 'topology', 'staging.json'))).toBe(false);
  });

  it('saving the same topology twice gives the same file', async () => {
    const source = inventorySource('staging');
    const inventory = await source.load();
    const topology: Topology = { master: inventory.mysql.master, slaves: inventory.mysql.slaves, fenced: [] };
    await source.saveTopology(topology);
    const once = readFileSync(file('staging.yaml'), 'utf8');
    await source.saveTopology(topology);
    expect(readFileSync(file('staging.yaml'), 'utf8')).toBe(once);
  });
});

describe('Pulumi-backed environments', () => {
  it('merges the YAML over the recorded stack outputs', async () => {
    const { inventory } = await openInventory('gcp');
    expect(inventory.name).toBe('gcp');
    expect(inventory.mysql.master).toEqual({ name: 'db1', host: '10.128.0.11', port: 3306 });
    expect(inventory.mysql.slaves.map((s) => s.host)).toEqual(['10.128.0.12', '10.128.0.13']);
    expect(inventory.mysql.admin).toEqual({ user: 'admin', password: 'env:GCP_MYSQL_ADMIN' });
    expect(inventory.mysql.maxLagSeconds).toBe(10);
    // The YAML's port wins; the host still comes from the stack.
    expect(inventory.redis).toEqual({ host: '10.128.0.20', port: 6380 });
    expect(inventory.rabbitmq).toEqual({
      host: '10.128.0.21',
      port: 5672,
      credential: { user: 'app', password: 'env:GCP_RABBITMQ' },
    });
    expect(inventory.app).toEqual({ url: 'http://34.0.0.10' });
    expect(inventory).not.toHaveProperty('pulumi');
  });

  it('writes a topology change to an override file under the state dir, leaving the YAML alone', async () => {
    const source = inventorySource('gcp');
    const before = await source.load();
    const topology: Topology = {
      master: before.mysql.slaves[1]!,
      slaves: [before.mysql.slaves[0]!],
      fenced: [before.mysql.master],
    };
    await source.saveTopology(topology);

    expect(readFileSync(file('gcp.yaml'), 'utf8')).toBe(gcpYaml);
    const override = join(stateDir, 'topology', 'gcp.json');
    expect(JSON.parse(readFileSync(override, 'utf8'))).toEqual(topology);

    const after = await inventorySource('gcp').load();
    expect(after.mysql.master.name).toBe('db3');
    expect(after.mysql.slaves.map((s) => s.name)).toEqual(['db2']);
    expect(after.mysql.fenced?.map((s) => s.name)).toEqual(['db1']);
    // Credentials still come from the YAML.
    expect(after.mysql.admin).toEqual(before.mysql.admin);
  });

  it('requires a stack name', async () => {
    writeFileSync(file('nostack.yaml'), gcpYaml.replace('pulumi: { stack: highload/gcp }', 'pulumi: {}'));
    const error = await rejection(inventorySource('nostack').load());
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toBe(`inventory ${originOf('nostack.yaml')}: /pulumi/stack: is required`);
  });

  it("rejects recorded outputs without an 'inventory' output", async () => {
    writeFileSync(file('gcp.outputs.json'), JSON.stringify({ appUrl: 'http://34.0.0.10' }));
    const error = await rejection(inventorySource('gcp').load());
    expect(error).toBeInstanceOf(ToolkitError);
    expect(error.message).toBe("pulumi stack highload/gcp has no 'inventory' output");
  });

  it('says how to record the outputs when there are none and no pulumi CLI', async () => {
    rmSync(file('gcp.outputs.json'));
    const emptyPath = join(root, 'empty-path');
    mkdirSync(emptyPath, { recursive: true });
    const path = process.env.PATH;
    process.env.PATH = emptyPath;
    try {
      const error = await rejection(inventorySource('gcp').load());
      expect(error).toBeInstanceOf(ToolkitError);
      expect(error.message).toBe(
        `cannot read outputs of pulumi stack highload/gcp: the pulumi CLI is not installed (or record them in ${file('gcp.outputs.json')})`,
      );
    } finally {
      process.env.PATH = path;
    }
  });
});

describe('deepMerge', () => {
  it('merges objects key by key, the second winning, arrays replaced whole', () => {
    const base = { a: { b: 1, c: [1, 2] }, d: 'x', e: { f: 1 } };
    const over = { a: { c: [3] }, d: 'y', e: null, g: true };
    expect(deepMerge(base, over)).toEqual({ a: { b: 1, c: [3] }, d: 'y', e: null, g: true });
  });

  it('does not change its inputs', () => {
    const base = { a: { b: 1 } };
    const over = { a: { c: 2 } };
    deepMerge(base, over);
    expect(base).toEqual({ a: { b: 1 } });
    expect(over).toEqual({ a: { c: 2 } });
  });
});
