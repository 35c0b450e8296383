import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { defaultImages } from './default-images.ts';

export const slaveNamePattern = '^db-slave-[1-9][0-9]?$';
export const slaveHostPattern = '^app-db-slave(-[1-9])?$';
const Cidr = Type.String({ pattern: '^(\\d{1,3}\\.){3}\\d{1,3}/\\d{1,2}$|^[0-9a-fA-F:]+/\\d{1,3}$' });
const Port = Type.Integer({ minimum: 1, maximum: 65535 });
const Image = Type.String({ minLength: 1, pattern: '^[a-z0-9./_:@-]+$' });
const MachineType = Type.String({ pattern: '^[a-z0-9-]+$' });
/** Plain app settings by the variable name the app reads (LOG_LEVEL, FEED_SIZE, ...). */
const AppEnv = Type.Record(
  Type.String({ pattern: '^[A-Z][A-Z0-9_]*$' }),
  Type.Union([Type.String(), Type.Number(), Type.Boolean()]),
  { additionalProperties: false },
);

export const MachineTypes = Type.Object(
  { app: MachineType, slave: MachineType, vitess: MachineType, monitoring: MachineType },
  { additionalProperties: false },
);

export const ContainerImages = Type.Object(
  {
    app: Image,
    nginx: Image,
    haproxy: Image,
    mysql: Image,
    redis: Image,
    rabbitmq: Image,
    tarantool: Image,
    clickhouse: Image,
    prometheus: Image,
    alertmanager: Image,
    grafana: Image,
    mysqldExporter: Image,
    redisExporter: Image,
    nodeExporter: Image,
  },
  { additionalProperties: false },
);

/** Everything a stack reads from `Pulumi.<stack>.yaml` except secrets, after defaults. */
export const StackSettings = Type.Object(
  {
    project: Type.String({ minLength: 1 }),
    region: Type.String({ minLength: 1 }),
    zone: Type.String({ minLength: 1 }),
    subnetCidr: Cidr,
    bootImage: Type.String({ minLength: 1 }),
    bootDiskSizeGb: Type.Integer({ minimum: 10, maximum: 65536 }),
    dataDiskSizeGb: Type.Integer({ minimum: 10, maximum: 65536 }),
    dataDiskType: Type.Union([
      Type.Literal('pd-balanced'),
      Type.Literal('pd-ssd'),
      Type.Literal('pd-standard'),
    ]),
    snapshots: Type.Object(
      {
        startTime: Type.String({ pattern: '^([01]\\d|2[0-3]):00$' }),
        retentionDays: Type.Integer({ minimum: 1, maximum: 365 }),
      },
      { additionalProperties: false },
    ),
    machineTypes: MachineTypes,
    slaveHosts: Type.Integer({ minimum: 1, maximum: 8 }),
    slaves: Type.Integer({ minimum: 1, maximum: 16 }),
    /**
     * Which slave runs on which host, pinned: slave `db-slave-N` (port 10100+N, server id N+1) → host
     * `app-db-slave-M` (or `app-db-slave`, the one-host name of stacks made before). Adding a slave or a
     * host adds resources and moves nothing; without it the numbers above place slaves round-robin.
     */
    slavePlacement: Type.Optional(
      Type.Record(Type.String({ pattern: slaveNamePattern }), Type.String({ pattern: slaveHostPattern }), {
        additionalProperties: false,
        minProperties: 1,
      }),
    ),
    vitess: Type.Boolean(),
    images: ContainerImages,
    sshUser: Type.String({ pattern: '^[a-z_][a-z0-9_-]{0,31}$' }),
    sshPublicKeys: Type.Array(Type.String({ pattern: '^(ssh-|ecdsa-)' }), { minItems: 1 }),
    sshSourceRanges: Type.Array(Cidr, { minItems: 1 }),
    adminSourceRanges: Type.Array(Cidr, { minItems: 1 }),
    appSourceRanges: Type.Array(Cidr, { minItems: 1 }),
    appPort: Port,
    appContainerPort: Port,
    appEnv: AppEnv,
    mysqlDatabase: Type.String({ pattern: '^[A-Za-z0-9_]{1,64}$' }),
    /** The MySQL master (`db`, or the slave a failover promoted): HAProxy's writer and the inventory's master. */
    mysqlMaster: Type.String({ pattern: '^db(-slave-[1-9][0-9]?)?$' }),
    protectData: Type.Boolean(),
    /** How long Prometheus keeps samples on the monitoring host's data disk. */
    metricsRetentionDays: Type.Integer({ minimum: 1, maximum: 3650 }),
    /** HTTPS in front of the app for this domain (a managed certificate); the app port then takes the load balancer only. */
    https: Type.Optional(
      Type.Object(
        { domain: Type.String({ pattern: '^([a-z0-9-]+\\.)+[a-z]{2,}$' }) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export type StackSettings = Static<typeof StackSettings>;
export type ContainerImages = Static<typeof ContainerImages>;

export const defaultMachineTypes: Static<typeof MachineTypes> = {
  app: 'n1-standard-8',
  slave: 'n1-standard-2',
  vitess: 'n1-standard-4',
  monitoring: 'n1-standard-1',
};

/** compose runs no node_exporter (compose/images.yml has none): the stacks' one image of their own. */
const nodeExporterImage = 'prom/node-exporter:v1.5.0';

/** The secrets each stack needs, set with `pulumi config set --secret <key>`. */
export const secretKeys = [
  'mysqlRootPassword',
  'mysqlAppPassword',
  'mysqlMigratePassword',
  'mysqlReplicatorPassword',
  'mysqlMonitorPassword',
  'mysqlExporterPassword',
  'redisPassword',
  'rabbitmqPassword',
  'tarantoolPassword',
  'clickhousePassword',
  'authTokenSecret',
  'grafanaAdminPassword',
] as const;
export type SecretKey = (typeof secretKeys)[number];

/**
 * The app container's variables the stack sets itself (connections and secrets); `appEnv` adds the
 * app's other settings and may not override these.
 */
export const stackAppVariables = [
  'APP_HOST',
  'APP_PORT',
  'APP_INSTANCE_ID',
  'TRUST_PROXY',
  'MYSQL_HOST',
  'MYSQL_PORT',
  'MYSQL_USER',
  'MYSQL_PASSWORD',
  'MYSQL_DB',
  'MIGRATE_ON_START',
  'SLAVE_MYSQL_HOSTS',
  'REDIS_HOST',
  'REDIS_PORT',
  'REDIS_PASSWORD',
  'RABBITMQ_HOST',
  'RABBITMQ_PORT',
  'RABBITMQ_USER',
  'RABBITMQ_PASSWORD',
  'AUTH_TOKEN_SECRET',
  'TARANTOOL_HOST',
  'TARANTOOL_PORT',
  'TARANTOOL_USER',
  'TARANTOOL_PASSWORD',
  'METRICS_HOST',
  'METRICS_PORT',
] as const;
export type StackAppVariable = (typeof stackAppVariables)[number];

/** Where values come from: `pulumi.Config` in a real run, a plain map in tests. */
export interface ConfigSource {
  project(key: string): unknown;
  gcp(key: string): string | undefined;
}

/**
 * `slaves` and `slaveHosts` as given, or counted from `slavePlacement`, which then is the only truth:
 * both numbers next to it would be a second one.
 */
function slaveCounts(source: ConfigSource): Record<string, unknown> {
  const placement = source.project('slavePlacement');
  if (placement === undefined)
    return { slaveHosts: source.project('slaveHosts') ?? 1, slaves: source.project('slaves') ?? 2 };
  for (const key of ['slaves', 'slaveHosts'])
    if (source.project(key) !== undefined)
      throw new Error(
        `stack config ${key}: slavePlacement already says where each slave runs; remove ${key} (pulumi config rm ${key})`,
      );
  const values = typeof placement === 'object' && placement ? Object.values(placement) : [];
  return { slavePlacement: placement, slaves: values.length, slaveHosts: new Set(values).size };
}

/** Reads and checks the settings; the first problem becomes one error naming the config key. */
export function readSettings(source: ConfigSource): StackSettings {
  const project = source.gcp('project');
  const region = source.gcp('region');
  const zone = source.gcp('zone') ?? (region ? `${region}-b` : undefined);
  const images = source.project('images') as Partial<ContainerImages> | undefined;
  const settings = {
    project,
    region,
    zone,
    subnetCidr: source.project('subnetCidr') ?? '10.10.0.0/24',
    bootImage: source.project('bootImage') ?? 'projects/ubuntu-os-cloud/global/images/family/ubuntu-2204-lts',
    bootDiskSizeGb: source.project('bootDiskSizeGb') ?? 50,
    dataDiskSizeGb: source.project('dataDiskSizeGb') ?? 100,
    dataDiskType: source.project('dataDiskType') ?? 'pd-balanced',
    snapshots: {
      startTime: '03:00',
      retentionDays: 14,
      ...(source.project('snapshots') as object | undefined),
    },
    machineTypes: { ...defaultMachineTypes, ...(source.project('machineTypes') as object | undefined) },
    ...slaveCounts(source),
    vitess: source.project('vitess') ?? true,
    // The third-party images' defaults are compose's (compose/images.yml), read rather than copied.
    images: { ...defaultImages(), nodeExporter: nodeExporterImage, ...images },
    sshUser: source.project('sshUser') ?? 'deploy',
    sshPublicKeys: source.project('sshPublicKeys'),
    sshSourceRanges: source.project('sshSourceRanges'),
    adminSourceRanges: source.project('adminSourceRanges'),
    appSourceRanges: source.project('appSourceRanges') ?? ['0.0.0.0/0'],
    appPort: source.project('appPort') ?? 80,
    appContainerPort: source.project('appContainerPort') ?? 5000,
    appEnv: source.project('appEnv') ?? {},
    mysqlDatabase: source.project('mysqlDatabase') ?? 'app',
    mysqlMaster: source.project('mysqlMaster') ?? 'db',
    protectData: source.project('protectData') ?? false,
    metricsRetentionDays: source.project('metricsRetentionDays') ?? 30,
    https: source.project('https'),
  };
  const first = Value.Errors(StackSettings, settings).First();
  if (first) {
    const key = first.path.split('/').filter(Boolean);
    const name = ['project', 'region', 'zone'].includes(key[0] ?? '') ? `gcp:${key[0]}` : key.join('.');
    const actual = key.reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], settings);
    const why =
      actual === undefined ? 'is required' : `${first.message.toLowerCase()}, got ${JSON.stringify(actual)}`;
    throw new Error(`stack config ${name || '(root)'}: ${why} (pulumi config set ${name} ...)`);
  }
  const parsed = settings as StackSettings;
  for (const name of Object.keys(parsed.appEnv)) {
    if ((stackAppVariables as readonly string[]).includes(name))
      throw new Error(`stack config appEnv.${name}: the stack sets ${name} itself`);
    if (/PASSWORD|SECRET/.test(name))
      throw new Error(
        `stack config appEnv.${name}: appEnv is plain text; a secret needs its own \`pulumi config set --secret\` key`,
      );
  }
  if (parsed.slaves < parsed.slaveHosts) {
    throw new Error(
      `stack config slaves: ${parsed.slaves} slaves cannot fill ${parsed.slaveHosts} slave hosts`,
    );
  }
  if (!parsed.zone.startsWith(`${parsed.region}-`)) {
    throw new Error(`stack config gcp:zone: ${parsed.zone} is not in region ${parsed.region}`);
  }
  return parsed;
}
