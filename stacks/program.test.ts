import { copyFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../lib/temp-dirs.ts';
import { YamlInventorySource } from '../toolkit/inventory/yaml-source.ts';
import { clickhouseUserPath } from './clickhouse-user.ts';
import { readShared, sharedFiles } from './shared-files.ts';
import {
  isSecretValue,
  type MockedResource,
  mockAccessToken,
  repoRoot,
  resourcesOf,
  runStack,
  type StackRun,
  testSecrets,
  unwrapSecrets,
  withoutSecrets,
} from './testing/run-stack.ts';

let run: StackRun;
beforeAll(async () => {
  run = await runStack('dev');
});

const types = {
  instance: 'gcp:compute/instance:Instance',
  firewall: 'gcp:compute/firewall:Firewall',
  container: 'docker:index/container:Container',
  command: 'command:remote:Command',
} as const;

function named(kind: keyof typeof types, name: string): MockedResource {
  const found = resourcesOf(run, types[kind]).find((r) => r.name === name);
  if (!found)
    throw new Error(
      `no ${kind} ${name}: ${resourcesOf(run, types[kind])
        .map((r) => r.name)
        .join(', ')}`,
    );
  return found;
}

function envOf(resource: MockedResource): Record<string, string> {
  const envs = unwrapSecrets(resource.inputs.envs) as string[];
  return Object.fromEntries(
    envs.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

describe('dev stack (Pulumi.dev.yaml under mocks)', () => {
  it('creates the seed machines with their configured sizes, zone and an Ubuntu LTS image', () => {
    const instances = resourcesOf(run, 'gcp:compute/instance:Instance');
    expect(instances.map((i) => [i.name, i.inputs.machineType, i.inputs.zone])).toEqual([
      ['dev-app', 'n1-standard-2', 'europe-west1-b'],
      ['dev-app-db-slave', 'n1-standard-1', 'europe-west1-b'],
      ['dev-monitoring', 'n1-standard-1', 'europe-west1-b'],
      ['dev-vitess', 'n1-standard-2', 'europe-west1-b'],
    ]);
    for (const instance of instances) {
      const boot = instance.inputs.bootDisk as { initializeParams: { image: string } };
      expect(boot.initializeParams.image).toBe(
        'projects/ubuntu-os-cloud/global/images/family/ubuntu-2204-lts',
      );
    }
  });

  it('installs Docker at boot and lets only the configured key in', () => {
    const metadata = named('instance', 'dev-app').inputs.metadata as Record<string, string>;
    const userData = metadata['user-data'] ?? '';
    expect(userData.startsWith('#cloud-config\n')).toBe(true);
    expect(userData).toContain('- docker.io');
    expect(userData).toContain('dev-deploy');
    expect(metadata['block-project-ssh-keys']).toBe('true');
  });

  it('gives every host static external and internal addresses in the configured region, used by its instance', () => {
    const addresses = resourcesOf(run, 'gcp:compute/address:Address');
    expect(addresses.map((a) => [a.name, a.inputs.region, a.inputs.addressType])).toEqual([
      ['dev-app', 'europe-west1', 'EXTERNAL'],
      ['dev-app-db-slave', 'europe-west1', 'EXTERNAL'],
      ['dev-app-db-slave-internal', 'europe-west1', 'INTERNAL'],
      ['dev-app-internal', 'europe-west1', 'INTERNAL'],
      ['dev-monitoring', 'europe-west1', 'EXTERNAL'],
      ['dev-monitoring-internal', 'europe-west1', 'INTERNAL'],
      ['dev-vitess', 'europe-west1', 'EXTERNAL'],
      ['dev-vitess-internal', 'europe-west1', 'INTERNAL'],
    ]);
    const nic = (
      named('instance', 'dev-app').inputs.networkInterfaces as Array<{
        networkIp: string;
        accessConfigs: Array<{ natIp: string }>;
      }>
    )[0];
    expect(nic?.accessConfigs[0]?.natIp).toBe(run.outputs.hosts.app);
    expect(nic?.networkIp).toBe(run.outputs.inventory.mysql.master.replicationHost);
  });

  it("pulls the app image from the stack's own Artifact Registry with the deployer's access token", () => {
    const registry = resourcesOf(run, 'gcp:artifactregistry/repository:Repository');
    expect(registry.map((r) => [r.name, r.inputs.repositoryId, r.inputs.location, r.inputs.format])).toEqual([
      ['dev-images', 'images', 'europe-west1', 'DOCKER'],
    ]);
    expect(registry[0]?.inputs.dockerConfig).toEqual({ immutableTags: true });
    const apis = resourcesOf(run, 'gcp:projects/service:Service').map((s) => s.inputs.service);
    expect(apis).toContain('artifactregistry.googleapis.com');
    for (const provider of resourcesOf(run, 'pulumi:providers:docker')) {
      // A provider's inputs reach the engine as JSON text.
      const auth = unwrapSecrets(provider.inputs.registryAuth);
      expect(typeof auth === 'string' ? JSON.parse(auth) : auth).toEqual([
        { address: 'europe-west1-docker.pkg.dev', username: 'oauth2accesstoken', password: mockAccessToken },
      ]);
      expect(isSecretValue(provider.inputs.registryAuth)).toBe(true);
    }
  });

  it('reaches each host Docker over SSH only after cloud-init finished', () => {
    const providers = resourcesOf(run, 'pulumi:providers:docker');
    expect(providers.map((p) => p.inputs.host)).toEqual([
      `ssh://deploy@${run.outputs.hosts.app}:22`,
      `ssh://deploy@${run.outputs.hosts['app-db-slave']}:22`,
      `ssh://deploy@${run.outputs.hosts.monitoring}:22`,
      `ssh://deploy@${run.outputs.hosts.vitess}:22`,
    ]);
    for (const provider of providers) {
      expect(provider.options.dependencies).toContain(
        `urn:pulumi:dev::highload-social::social:infra:Host$command:remote:Command::${provider.name}-docker-ready`,
      );
    }
    expect(String(named('command', 'dev-app-docker-ready').inputs.create)).toContain(
      'cloud-init status --wait',
    );
  });

  it('opens database, service and Vitess ports to the admin range and the stack hosts only', () => {
    for (const key of ['mysql', 'services', 'vitess']) {
      const rule = named('firewall', `dev-${key}`).inputs;
      // The stack's hosts by their tag, over internal addresses; nobody else but the admin range.
      expect(rule.sourceRanges).toEqual(['203.0.113.0/24']);
      expect(rule.sourceTags).toEqual(['hs-dev']);
    }
    // Redis: only the app on its own host reaches it.
    expect(named('firewall', 'dev-services').inputs.allows).toEqual([
      { protocol: 'tcp', ports: ['5672', '15672', '3301', '8123'] },
    ]);
    expect(named('firewall', 'dev-mysql').inputs.allows).toEqual([
      { protocol: 'tcp', ports: ['10100-10102'] },
    ]);
    expect(named('firewall', 'dev-vitess').inputs.allows).toEqual([
      { protocol: 'tcp', ports: ['15000', '15001', '15306', '15999'] },
    ]);
    expect(named('firewall', 'dev-services').inputs.targetTags).toEqual(['hs-dev-app']);
  });

  it('takes SSH from the SSH range and the app port from the app range, nothing from the world', () => {
    expect(named('firewall', 'dev-ssh').inputs).toMatchObject({
      sourceRanges: ['203.0.113.0/24'],
      allows: [{ ports: ['22'] }],
    });
    expect(named('firewall', 'dev-app-http').inputs).toMatchObject({
      sourceRanges: ['203.0.113.0/24'],
      allows: [{ ports: ['80'] }],
    });
    for (const rule of resourcesOf(run, 'gcp:compute/firewall:Firewall')) {
      expect(rule.inputs.sourceRanges).not.toContain('0.0.0.0/0');
    }
  });

  it("runs the seed containers (app host and slave host) and the monitoring's", () => {
    const containers = resourcesOf(run, 'docker:index/container:Container')
      .map((c) => c.name)
      .sort();
    expect(containers).toEqual([
      'dev-app-app',
      'dev-app-app-2',
      'dev-app-clickhouse',
      'dev-app-db',
      'dev-app-db-slave-db-slave-1',
      'dev-app-db-slave-db-slave-2',
      'dev-app-db-slave-mysqld-exporter-db-slave-1',
      'dev-app-db-slave-mysqld-exporter-db-slave-2',
      'dev-app-db-slave-node-exporter',
      'dev-app-haproxy',
      'dev-app-haproxy-agent',
      'dev-app-migrate',
      'dev-app-mysqld-exporter-db',
      'dev-app-nginx',
      'dev-app-node-exporter',
      'dev-app-rabbitmq',
      'dev-app-redis',
      'dev-app-redis-exporter',
      'dev-app-tarantool',
      'dev-app-tarantool-replicator',
      'dev-monitoring-alert-sink',
      'dev-monitoring-alertmanager',
      'dev-monitoring-grafana',
      'dev-monitoring-node-exporter',
      'dev-monitoring-prometheus',
      'dev-vitess-node-exporter',
    ]);
  });

  it('puts nginx with the shared compose config over two app instances that trust only its edge address', () => {
    const nginx = named('container', 'dev-app-nginx').inputs;
    expect(nginx.uploads).toEqual([
      { file: '/etc/nginx/nginx.conf', content: readShared(sharedFiles.nginxConfig) },
    ]);
    expect(nginx.ports).toEqual([{ internal: 5000, external: 80 }]);
    expect(nginx.image).toBe('sha256:dev-app-image-nginx-1-22');
    const edge = resourcesOf(run, 'docker:index/network:Network').find((n) => n.name === 'dev-app-edge');
    expect(edge?.inputs.ipamConfigs).toEqual([{ subnet: '172.31.250.0/28' }]);
    // nginx is on the edge network alone, at its fixed address; the instances are on both networks.
    expect(nginx.networksAdvanced).toEqual([
      { name: 'highload-social-edge', aliases: ['nginx'], ipv4Address: '172.31.250.2' },
    ]);
    for (const [name, id, metricsPort] of [
      ['app', '1', 9464],
      ['app-2', '2', 9466],
    ] as const) {
      const app = named('container', `dev-app-${name}`);
      // Only nginx publishes the app port; an instance publishes its metrics, on the internal address.
      expect(app.inputs.ports).toEqual([
        { internal: 9464, external: metricsPort, ip: run.outputs.inventory.mysql.master.replicationHost },
      ]);
      expect(app.inputs.networksAdvanced).toEqual([
        { name: 'highload-social', aliases: [name] },
        { name: 'highload-social-edge', aliases: [name] },
      ]);
      expect(envOf(app)).toMatchObject({
        APP_INSTANCE_ID: id,
        TRUST_PROXY: '172.31.250.2',
        APP_PORT: '5000',
      });
    }
  });

  it('gives master and slaves distinct server ids, their ports and the shared replication config', () => {
    const replication = readShared(sharedFiles.mysqlReplication);
    const expected = [
      ['dev-app-db', ['--server-id=1'], 10100],
      ['dev-app-db-slave-db-slave-1', ['--server-id=2'], 10101],
      ['dev-app-db-slave-db-slave-2', ['--server-id=3'], 10102],
    ] as const;
    for (const [name, command, port] of expected) {
      const db = named('container', name).inputs;
      expect(db.command).toEqual(command);
      expect(db.ports).toEqual([{ internal: 3306, external: port }]);
      expect(unwrapSecrets(db.uploads)).toEqual([
        { file: '/etc/mysql/conf.d/replication.cnf', content: replication },
        // The master alone makes the app's two accounts on its first start.
        ...(name === 'dev-app-db'
          ? [{ file: sharedFiles.mysqlAppAccounts.target, content: readShared(sharedFiles.mysqlAppAccounts) }]
          : []),
        // Every node makes HAProxy's monitor account (stacks/haproxy.test.ts checks its content).
        { file: '/docker-entrypoint-initdb.d/monitor-user.sql', content: expect.any(String) },
        { file: '/run/secrets/mysql-root-password', content: `${testSecrets.mysqlRootPassword}\n` },
        // app-accounts.sh reads these (file_env) on the master's first start.
        ...(name === 'dev-app-db'
          ? [
              { file: '/run/secrets/mysql-app-password', content: `${testSecrets.mysqlAppPassword}\n` },
              {
                file: '/run/secrets/mysql-migrate-password',
                content: `${testSecrets.mysqlMigratePassword}\n`,
              },
            ]
          : []),
      ]);
      expect(db.image).toBe(
        `sha256:${name.startsWith('dev-app-db-slave') ? 'dev-app-db-slave' : 'dev-app'}-image-mysql-8-4`,
      );
    }
  });

  it('uploads the Tarantool and ClickHouse schemas from compose/ and runs the replicator from the app image', () => {
    const tarantool = named('container', 'dev-app-tarantool');
    expect(unwrapSecrets(tarantool.inputs.uploads)).toEqual([
      { file: '/opt/tarantool/init.lua', content: readShared(sharedFiles.tarantoolInit) },
      { file: '/run/secrets/tarantool-user-password', content: `${testSecrets.tarantoolPassword}\n` },
    ]);
    expect(envOf(tarantool).TARANTOOL_USER_PASSWORD_FILE).toBe('/run/secrets/tarantool-user-password');
    const clickhouse = named('container', 'dev-app-clickhouse');
    expect(unwrapSecrets(clickhouse.inputs.uploads)).toEqual([
      { file: '/docker-entrypoint-initdb.d/schema.sql', content: readShared(sharedFiles.clickhouseSchema) },
      { file: clickhouseUserPath, content: expect.stringContaining('<password_sha256_hex>') },
    ]);
    // The app user comes from that file: no user or password variable for the image's own set-up.
    expect(envOf(clickhouse)).not.toHaveProperty('CLICKHOUSE_PASSWORD');
    expect(envOf(clickhouse)).not.toHaveProperty('CLICKHOUSE_USER');
    const replicator = named('container', 'dev-app-tarantool-replicator').inputs;
    expect(replicator.image).toBe(
      'sha256:dev-app-image-europe-west1-docker-pkg-dev-highload-social-dev-images-app-dev',
    );
    expect(replicator.command).toEqual([
      'node',
      'toolkit/tarantool/replicator/main.js',
      '--config',
      '/etc/replicator.yml',
    ]);
  });

  it('passes passwords to containers only as secrets, and marks the env list a secret output', () => {
    const containers = resourcesOf(run, 'docker:index/container:Container');
    for (const container of containers) {
      const plain = JSON.stringify(withoutSecrets(container.inputs));
      for (const secret of Object.values(testSecrets)) expect(plain).not.toContain(secret);
    }
    // MySQL reads its passwords from files (MYSQL_*_FILE): the env list holds paths, the uploads the values.
    const db = named('container', 'dev-app-db');
    expect(envOf(db)).toEqual({
      MYSQL_DATABASE: 'app',
      MYSQL_ROOT_PASSWORD_FILE: '/run/secrets/mysql-root-password',
      // app-accounts.sh reads these two by the entrypoint's file_env.
      MYSQL_APP_PASSWORD_FILE: '/run/secrets/mysql-app-password',
      MYSQL_MIGRATE_PASSWORD_FILE: '/run/secrets/mysql-migrate-password',
    });
    // Paths only: the env list is no secret any more, the uploads are.
    expect(isSecretValue(db.inputs.uploads)).toBe(true);
    expect(db.options.additionalSecretOutputs).toEqual(['uploads']);
    expect(unwrapSecrets(db.inputs.uploads)).toEqual(
      expect.arrayContaining([
        { file: '/run/secrets/mysql-root-password', content: `${testSecrets.mysqlRootPassword}\n` },
      ]),
    );
    // No container holds a password in its environment, secret output or not: `docker inspect` on the
    // host shows every variable.
    for (const container of containers) {
      const env = JSON.stringify(envOf(container));
      for (const [key, secret] of Object.entries(testSecrets))
        expect(env, `${container.inputs.name} has ${key} in its environment`).not.toContain(secret);
    }
    const slaveHost = run.outputs.inventory.mysql.slaves[0]?.replicationHost;
    expect(slaveHost).toMatch(/^10\.10\.0\.\d+$/);
    expect(envOf(named('container', 'dev-app-app'))).toMatchObject({
      SLAVE_MYSQL_HOSTS: 'haproxy:3307',
      RABBITMQ_PASSWORD_FILE: '/run/secrets/rabbitmq-password',
    });
    // Redis reads its password from an uploaded config file: no env, no argument shows it.
    const redis = named('container', 'dev-app-redis');
    expect(redis.options.additionalSecretOutputs).toEqual(['uploads']);
    expect(redis.inputs.command).toEqual(['redis-server', '/usr/local/etc/redis/redis.conf']);
    expect(unwrapSecrets(redis.inputs.uploads)).toEqual([
      {
        file: '/usr/local/etc/redis/redis.conf',
        content: `appendonly yes\nrequirepass ${testSecrets.redisPassword}\n`,
      },
    ]);
    expect(redis.inputs.ports).toEqual([{ internal: 6379, external: 6379, ip: '127.0.0.1' }]);
    expect(envOf(named('container', 'dev-app-app')).REDIS_PASSWORD_FILE).toBe('/run/secrets/redis-password');
  });

  it('migrates as app_migrate in a run-once container before the app instances, which get the rows-only account', () => {
    const migrate = named('container', 'dev-app-migrate');
    expect(migrate.inputs).toMatchObject({
      command: ['node', 'app/src/cli.js', 'migrate'],
      image: 'sha256:dev-app-image-europe-west1-docker-pkg-dev-highload-social-dev-images-app-dev',
      restart: 'no',
      mustRun: false,
      attach: true,
    });
    expect(envOf(migrate)).toEqual({
      MYSQL_HOST: 'db',
      MYSQL_PORT: '3306',
      MYSQL_USER: 'app_migrate',
      MYSQL_DB: 'app',
      MYSQL_PASSWORD_FILE: '/run/secrets/mysql-password',
    });
    for (const name of ['app', 'app-2']) {
      const app = named('container', `dev-app-${name}`);
      expect(envOf(app), name).toMatchObject({ MYSQL_USER: 'app', MIGRATE_ON_START: 'false' });
      expect(JSON.stringify(unwrapSecrets(app.inputs.envs)), name).not.toContain(
        testSecrets.mysqlMigratePassword,
      );
      expect(app.options.dependencies, name).toContain(migrate.urn);
    }
  });

  it('exports plain (non-secret) outputs without any secret value in them', () => {
    expect(run.secretOutputs).toEqual({ inventory: false, hosts: false });
    const text = JSON.stringify(run.outputs);
    for (const secret of Object.values(testSecrets)) expect(text).not.toContain(secret);
  });

  it('exports an inventory the runbooks load for --env dev, with the YAML adding credentials', async () => {
    const dir = makeTempDir('stack-inventory-');
    try {
      copyFileSync(join(repoRoot, 'environments', 'dev.yaml'), join(dir, 'dev.yaml'));
      // The same JSON `pulumi stack output --json -s dev` prints.
      writeFileSync(
        join(dir, 'dev.outputs.json'),
        JSON.stringify({ inventory: run.outputs.inventory, hosts: run.outputs.hosts }),
      );
      const inventory = await new YamlInventorySource('dev', join(dir, 'dev.yaml')).load();
      expect(inventory.mysql.master).toEqual({
        name: 'db',
        host: run.outputs.hosts.app,
        port: 10100,
        replicationHost: expect.stringMatching(/^10\.10\.0\./),
      });
      expect(inventory.mysql.slaves.map((s) => `${s.host}:${s.port}`)).toEqual([
        `${run.outputs.hosts['app-db-slave']}:10101`,
        `${run.outputs.hosts['app-db-slave']}:10102`,
      ]);
      expect(inventory.mysql.admin).toEqual({ user: 'root', password: 'env:DEV_MYSQL_ROOT_PASSWORD' });
      expect(inventory.rabbitmq).toEqual({
        host: run.outputs.hosts.app,
        port: 5672,
        credential: { user: 'app', password: 'env:DEV_RABBITMQ_PASSWORD' },
      });
      expect(inventory.vtgate).toEqual({ host: run.outputs.hosts.vitess, mysqlPort: 15306 });
      expect(inventory.app).toEqual({ url: `http://${run.outputs.hosts.app}` });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
