import { dirname } from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { composeLayout } from '../toolkit/haproxy/compose-config.ts';
import { clickhouseUserFile, clickhouseUserPath } from './clickhouse-user.ts';
import type { SecretKey, StackAppVariable, StackSettings } from './config.ts';
import { type EnvValue, edgeNginxAddress } from './containers.ts';
import { monitorUserInit, monitorUserInitPath, renderStackHaproxy, type SlaveAddress } from './haproxy.ts';
import type { Host } from './hosts.ts';
import { metricsPorts } from './monitoring-config.ts';
import { sharedFiles } from './shared-files.ts';
import { ports, type SlavePlan } from './topology.ts';

export type Secrets = Record<SecretKey, pulumi.Output<string>>;

const mysqlInternalPort = 3306;
/** HAProxy's endpoints inside its container: compose's layout (toolkit/haproxy/compose-config.ts). */
const haproxyWriterPort = composeLayout.writerPort;
const haproxyReaderPort = composeLayout.readerPort;
const haproxyRunDir = dirname(composeLayout.adminSocket);
/** The official haproxy image's user, who owns the admin socket; the agent runs as it. */
const haproxyImageUser = '99:99';
const redisConfigPath = '/usr/local/etc/redis/redis.conf';
/** Read after the image's own conf.d/10-defaults.conf; RabbitMQ creates this user on its first start. */
const rabbitmqDefaultUserPath = '/etc/rabbitmq/conf.d/20-default-user.conf';
const tarantoolPort = 3301;

/** Where nginx reaches the app instances: the shared compose/nginx/nginx.conf names app:5000 and app-2:5000. */
const nginxUpstreamPort = 5000;

/**
 * The seed's docker-compose.yml on the app host: nginx over app and app-2, master, redis, rabbitmq,
 * tarantool, replicator, clickhouse.
 */
export function deployAppHost(
  stack: string,
  settings: StackSettings,
  host: Host,
  secrets: Secrets,
  slaves: SlaveAddress[],
): void {
  const { images } = settings;
  const db = host.addContainer({
    name: 'db',
    image: images.mysql,
    command: ['--server-id=1'],
    // No MYSQL_USER (the image would grant it ALL on the schema): app-accounts.sh makes the app's account
    // (rows only) and app_migrate (DDL) on the first start; replication.mjs keeps both on every node.
    env: { MYSQL_DATABASE: settings.mysqlDatabase },
    // The image's entrypoint reads MYSQL_ROOT_PASSWORD_FILE; app-accounts.sh its two by the entrypoint's file_env.
    fileSecrets: {
      MYSQL_ROOT_PASSWORD: secrets.mysqlRootPassword,
      MYSQL_APP_PASSWORD: secrets.mysqlAppPassword,
      MYSQL_MIGRATE_PASSWORD: secrets.mysqlMigratePassword,
    },
    ports: [{ internal: mysqlInternalPort, external: ports.mysqlMaster }],
    files: [sharedFiles.mysqlReplication, sharedFiles.mysqlAppAccounts],
    secretFiles: [{ target: monitorUserInitPath, content: monitorUserInit(secrets.mysqlMonitorPassword) }],
    dataPaths: ['/var/lib/mysql'],
  });
  const haproxy = deployHaproxy(stack, settings, host, secrets, slaves, db);
  const redis = host.addContainer({
    name: 'redis',
    image: images.redis,
    // The password in a config file, not on the command line, where `docker inspect` and `ps` show it.
    command: ['redis-server', redisConfigPath],
    secretFiles: [
      {
        target: redisConfigPath,
        content: pulumi.interpolate`appendonly yes\nrequirepass ${secrets.redisPassword}\n`,
      },
    ],
    // Only the app (on the same host, by the container network) uses it; an admin reaches it over SSH.
    ports: [{ internal: 6379, external: ports.redis, ip: '127.0.0.1' }],
    dataPaths: ['/data'],
  });
  const rabbitmq = host.addContainer({
    name: 'rabbitmq',
    image: images.rabbitmq,
    // RabbitMQ names its data directory after the host name: a fixed one survives container replacement.
    hostname: 'rabbitmq',
    // The default user from a config file of the image's conf.d (RabbitMQ reads no *_FILE variable).
    secretFiles: [
      {
        target: rabbitmqDefaultUserPath,
        content: pulumi.interpolate`default_user = app\ndefault_pass = ${secrets.rabbitmqPassword}\n`,
      },
    ],
    ports: [
      { internal: 5672, external: ports.rabbitmq },
      { internal: 15672, external: ports.rabbitmqManagement },
    ],
    dataPaths: ['/var/lib/rabbitmq'],
  });
  const tarantool = host.addContainer({
    name: 'tarantool',
    image: images.tarantool,
    command: ['tarantool', sharedFiles.tarantoolInit.target],
    env: { TARANTOOL_USER_NAME: 'app' },
    // compose/tarantool/init.lua reads TARANTOOL_USER_PASSWORD_FILE.
    fileSecrets: { TARANTOOL_USER_PASSWORD: secrets.tarantoolPassword },
    ports: [{ internal: tarantoolPort, external: ports.tarantool }],
    files: [sharedFiles.tarantoolInit],
    dataPaths: ['/var/lib/tarantool'],
  });
  // ClickHouse is the analysts' copy of the users (scripts/clickhouse-load.mjs): the app never reads it.
  host.addContainer({
    name: 'clickhouse',
    image: images.clickhouse,
    secretFiles: [{ target: clickhouseUserPath, content: clickhouseUserFile(secrets.clickhousePassword) }],
    ports: [{ internal: 8123, external: ports.clickhouseHttp }],
    files: [sharedFiles.clickhouseSchema],
    dataPaths: ['/var/lib/clickhouse'],
    ulimits: [{ name: 'nofile', soft: 262144, hard: 262144 }],
  });
  host.addContainer({
    name: 'tarantool-replicator',
    image: images.app,
    // The image runs the compiled JavaScript (app/Dockerfile's build stage).
    command: [
      'node',
      'toolkit/tarantool/replicator/main.js',
      '--config',
      sharedFiles.replicatorConfig.target,
    ],
    // The image's HEALTHCHECK asks the app's /health, which this container does not serve.
    healthcheck: { tests: ['NONE'] },
    // The names replicator.yml expands (${NAME}) and names as passwordEnv.
    env: {
      MYSQL_HOST: 'db',
      MYSQL_PORT: mysqlInternalPort,
      MYSQL_DATABASE: settings.mysqlDatabase,
      REPLICATOR_MYSQL_USER: 'replicator',
      TARANTOOL_HOST: 'tarantool',
      TARANTOOL_PORT: tarantoolPort,
      TARANTOOL_USER: 'app',
      // Its /metrics on every interface of its container, published on the internal address for Prometheus.
      REPLICATOR_METRICS_HOST: '0.0.0.0',
      REPLICATOR_METRICS_PORT: metricsPorts.replicator,
    },
    // The replicator reads NAME_FILE for each password it names (toolkit/tarantool/replicator/config.ts).
    fileSecrets: {
      REPLICATOR_MYSQL_PASSWORD: secrets.mysqlReplicatorPassword,
      TARANTOOL_PASSWORD: secrets.tarantoolPassword,
    },
    ports: [
      { internal: metricsPorts.replicator, external: metricsPorts.replicator, ip: host.internalAddress },
    ],
    files: [sharedFiles.replicatorConfig],
    dependsOn: [db, tarantool],
  });
  if (settings.appContainerPort !== nginxUpstreamPort)
    throw new Error(
      `appContainerPort must be ${nginxUpstreamPort}: the shared compose/nginx/nginx.conf reaches the app instances there`,
    );
  // The migrations, as app_migrate (DDL on the schema), run to the end before any app instance is made:
  // the instances have the rows-only account and never migrate (MIGRATE_ON_START=false).
  const migrate = host.addContainer({
    name: 'migrate',
    image: images.app,
    command: ['node', 'app/src/cli.js', 'migrate'],
    healthcheck: { tests: ['NONE'] },
    env: {
      MYSQL_HOST: 'db',
      MYSQL_PORT: mysqlInternalPort,
      MYSQL_USER: 'app_migrate',
      MYSQL_DB: settings.mysqlDatabase,
    },
    fileSecrets: { MYSQL_PASSWORD: secrets.mysqlMigratePassword },
    runOnce: true,
    dependsOn: [db],
  });
  const { plain, secret } = appEnv(settings, secrets);
  // readSettings refuses appEnv names the stack sets itself, so nothing here overrides another.
  const extra = Object.fromEntries(Object.entries(settings.appEnv).map(([k, v]) => [k, String(v)]));
  const instances = (['app', 'app-2'] as const).map((name, i) =>
    host.addContainer({
      name,
      image: images.app,
      // Only nginx, at its fixed address on the edge network, is believed about the client's address.
      env: { ...extra, ...plain, APP_INSTANCE_ID: i + 1, TRUST_PROXY: edgeNginxAddress },
      // The app reads every secret from NAME_FILE too (app/src/platform/config.ts).
      fileSecrets: secret,
      // /metrics has its own listener, never proxied by nginx: published on the internal address for Prometheus.
      ports: [
        { internal: metricsPorts.appContainer, external: metricsPorts.app[name], ip: host.internalAddress },
      ],
      edge: {},
      dependsOn: [haproxy, migrate, redis, rabbitmq, tarantool],
    }),
  );
  // The seed's load balancer, with the one nginx config compose mounts too; it alone takes the app port.
  host.addContainer({
    name: 'nginx',
    image: images.nginx,
    files: [sharedFiles.nginxConfig],
    ports: [{ internal: nginxUpstreamPort, external: settings.appPort }],
    edge: { address: edgeNginxAddress },
    dependsOn: instances,
  });
}

type AppSecretVariable =
  | 'MYSQL_PASSWORD'
  | 'REDIS_PASSWORD'
  | 'RABBITMQ_PASSWORD'
  | 'TARANTOOL_PASSWORD'
  | 'AUTH_TOKEN_SECRET';

/**
 * HAProxy's writer (3306) and reader (3307) endpoints on the app host, with compose's layout and renderer
 * (stacks/haproxy.ts), and its health agent in HAProxy's network namespace (compose's
 * `network_mode: service:haproxy`), so the agent's port is HAProxy's alone. The endpoints are published
 * on 127.0.0.1 only, as in compose: the app reaches them by container name, an admin over SSH.
 */
function deployHaproxy(
  stack: string,
  settings: StackSettings,
  host: Host,
  secrets: Secrets,
  slaves: SlaveAddress[],
  db: pulumi.Resource,
): pulumi.Resource {
  const rendered = renderStackHaproxy(stack, slaves, settings.mysqlMaster);
  const haproxy = host.addContainer({
    name: 'haproxy',
    image: settings.images.haproxy,
    generatedFiles: [{ target: sharedFiles.haproxyConfig.target, content: rendered.config }],
    ports: [
      { internal: haproxyWriterPort, external: ports.haproxyWriter, ip: '127.0.0.1' },
      { internal: haproxyReaderPort, external: ports.haproxyReader, ip: '127.0.0.1' },
    ],
    // The admin socket's directory, a volume so that the agent reaches the socket (compose's haproxy-run).
    dataPaths: [haproxyRunDir],
    dependsOn: [db],
  });
  host.addContainer({
    name: 'haproxy-agent',
    image: settings.images.app,
    command: ['node', 'toolkit/haproxy/agent/main.js', '--config', sharedFiles.haproxyAgentConfig.target],
    networkOf: haproxy,
    // It opens a fresh HAProxy's servers over the admin socket (mode 600, HAProxy's user), as in compose.
    volumesOf: haproxy,
    user: haproxyImageUser,
    healthcheck: { tests: ['NONE'] },
    fileSecrets: { MYSQL_MONITOR_PASSWORD: secrets.mysqlMonitorPassword },
    generatedFiles: [{ target: sharedFiles.haproxyAgentConfig.target, content: rendered.agentConfig }],
    dependsOn: [haproxy],
  });
  return haproxy;
}

/**
 * The app's connections and secrets, under the names app/src/platform/config.ts reads (compose sets the
 * same); `appEnv` in the stack config adds the rest. MySQL through HAProxy's endpoints, as in compose:
 * writes to whichever node is the writable master, reads over the slaves that replicate within the lag
 * limit (the master when none does, so a slave not seeded yet serves nothing); the slaves log in with the
 * app user's credentials (the defaults of SLAVE_MYSQL_USER/PASSWORD). Everything on the app host by
 * container name. chat_message stays on the master (CHAT_MYSQL_* default to MYSQL_*) until appEnv says
 * otherwise.
 */
function appEnv(
  settings: StackSettings,
  secrets: Secrets,
): {
  plain: Record<Exclude<StackAppVariable, AppSecretVariable | 'APP_INSTANCE_ID' | 'TRUST_PROXY'>, EnvValue>;
  secret: Record<AppSecretVariable, pulumi.Output<string>>;
} {
  return {
    plain: {
      APP_HOST: '0.0.0.0',
      APP_PORT: settings.appContainerPort,
      MYSQL_HOST: 'haproxy',
      MYSQL_PORT: haproxyWriterPort,
      MYSQL_USER: 'app',
      MYSQL_DB: settings.mysqlDatabase,
      // The `migrate` container did it, as app_migrate; this account could not.
      MIGRATE_ON_START: 'false',
      SLAVE_MYSQL_HOSTS: `haproxy:${haproxyReaderPort}`,
      REDIS_HOST: 'redis',
      REDIS_PORT: 6379,
      RABBITMQ_HOST: 'rabbitmq',
      RABBITMQ_PORT: 5672,
      RABBITMQ_USER: 'app',
      TARANTOOL_HOST: 'tarantool',
      TARANTOOL_PORT: tarantoolPort,
      TARANTOOL_USER: 'app',
      METRICS_HOST: '0.0.0.0',
      METRICS_PORT: metricsPorts.appContainer,
    },
    secret: {
      MYSQL_PASSWORD: secrets.mysqlAppPassword,
      REDIS_PASSWORD: secrets.redisPassword,
      RABBITMQ_PASSWORD: secrets.rabbitmqPassword,
      TARANTOOL_PASSWORD: secrets.tarantoolPassword,
      AUTH_TOKEN_SECRET: secrets.authTokenSecret,
    },
  };
}

/** The seed's docker-compose-replication.yml: the slaves placed on this host, each with its own port. */
export function deploySlaveHost(
  settings: StackSettings,
  host: Host,
  secrets: Secrets,
  slaves: SlavePlan[],
): void {
  for (const slave of slaves) {
    host.addContainer({
      name: slave.name,
      image: settings.images.mysql,
      // No MYSQL_DATABASE: the replication runbook seeds a slave from the master's snapshot.
      command: [`--server-id=${slave.serverId}`],
      fileSecrets: { MYSQL_ROOT_PASSWORD: secrets.mysqlRootPassword },
      ports: [{ internal: mysqlInternalPort, external: slave.port }],
      files: [sharedFiles.mysqlReplication],
      secretFiles: [{ target: monitorUserInitPath, content: monitorUserInit(secrets.mysqlMonitorPassword) }],
      dataPaths: ['/var/lib/mysql'],
    });
  }
}
