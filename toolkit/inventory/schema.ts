import { type Static, Type } from '@sinclair/typebox';

const Name = Type.String({ pattern: '^[a-z][a-z0-9_-]{0,62}$', description: 'lower-case name' });
const Host = Type.String({ minLength: 1, maxLength: 253, pattern: '^[A-Za-z0-9.:_-]+$' });
const Port = Type.Integer({ minimum: 1, maximum: 65535 });

/**
 * A reference to a secret, never the secret itself: `env:NAME` (an environment variable),
 * `file:path` (a file's first line) or `local:key` (the local environment's generated secrets).
 */
export const SecretRef = Type.String({ pattern: '^(env|file|local):[^\\s]+$' });

export const Credential = Type.Object(
  { user: Type.String({ minLength: 1, maxLength: 80 }), password: SecretRef },
  { additionalProperties: false },
);

export const Endpoint = Type.Object({ host: Host, port: Port }, { additionalProperties: false });

export const MysqlNode = Type.Object(
  {
    name: Name,
    host: Host,
    port: Port,
    /**
     * The address other nodes replicate from when it is not `host`: a cloud host's internal address,
     * while runbooks reach `host` (its external one) from the admin range.
     */
    replicationHost: Type.Optional(Host),
    /** A folder of option files the toolkit may write (local environment), to persist settings across restarts. */
    optionsDir: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);

export const MysqlCluster = Type.Object(
  {
    database: Type.String({ pattern: '^[A-Za-z0-9_]{1,64}$' }),
    master: MysqlNode,
    slaves: Type.Array(MysqlNode),
    /** Former masters that failover fenced off; never written to again until rebuilt as slaves. */
    fenced: Type.Optional(Type.Array(MysqlNode)),
    admin: Credential,
    replication: Credential,
    /** The running app's account: rows of its schema only (SELECT, INSERT, UPDATE, DELETE). */
    app: Credential,
    /**
     * The migrations' account (and the users generator's): DDL on the app's schema. Absent: the app's
     * account migrates, which then needs DDL itself (an inventory from before the split).
     */
    migrate: Type.Optional(Credential),
    /** The health agent's account (toolkit/haproxy): reads read_only and replica status, nothing else. */
    monitor: Type.Optional(Credential),
    /** prometheus-mysqld-exporter's account (toolkit/prometheus): replica status, global status and variables. */
    exporter: Type.Optional(Credential),
    semisync: Type.Optional(
      Type.Object(
        {
          timeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 3_600_000 })),
          waitPoint: Type.Optional(Type.Union([Type.Literal('AFTER_SYNC'), Type.Literal('AFTER_COMMIT')])),
        },
        { additionalProperties: false },
      ),
    ),
    maxLagSeconds: Type.Optional(Type.Number({ minimum: 0 })),
  },
  { additionalProperties: false },
);

export const Inventory = Type.Object(
  {
    name: Name,
    mysql: MysqlCluster,
    /** Where chat_message lives: the master itself, or a vtgate once Vitess took the table. */
    chatMysql: Type.Optional(
      Type.Object(
        { host: Host, port: Port, database: Type.String({ minLength: 1 }), credential: Credential },
        { additionalProperties: false },
      ),
    ),
    vtctld: Type.Optional(
      Type.Object({ host: Host, grpcPort: Port, webPort: Port }, { additionalProperties: false }),
    ),
    vtgate: Type.Optional(
      Type.Object(
        { host: Host, mysqlPort: Port, grpcPort: Type.Optional(Port) },
        { additionalProperties: false },
      ),
    ),
    tarantool: Type.Optional(
      Type.Object(
        {
          host: Host,
          port: Port,
          /** The operator's account (admin). */
          credential: Type.Optional(Credential),
          /** The app's account, for its Tarantool search. */
          appCredential: Type.Optional(Credential),
          /** The MySQL account the replicator reads the binlog with. */
          replicatorCredential: Type.Optional(Credential),
        },
        { additionalProperties: false },
      ),
    ),
    clickhouse: Type.Optional(
      Type.Object(
        { host: Host, httpPort: Port, credential: Type.Optional(Credential) },
        { additionalProperties: false },
      ),
    ),
    app: Type.Optional(
      Type.Object(
        {
          /** Where clients reach the app: nginx in front of the instances, when there are several. */
          url: Type.String({ pattern: '^https?://' }),
          /** The app processes nginx balances over (toolkit/nginx); absent: the url is the app itself. */
          instances: Type.Optional(
            Type.Array(Type.Object({ name: Name, host: Host, port: Port }, { additionalProperties: false }), {
              minItems: 1,
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    /** HAProxy in front of MySQL (toolkit/haproxy): where clients reach the endpoints, where runbooks reach its runtime API. */
    haproxy: Type.Optional(
      Type.Object(
        {
          host: Host,
          /** Sends connections only to the master, and only while it is writable. */
          writerPort: Port,
          /** Balances over slaves that replicate within maxLagSeconds; the master when none does. */
          readerPort: Port,
          /** The runtime API socket (admin level) on the machine that runs the runbooks; absent: not reachable from here. */
          adminSocket: Type.Optional(Type.String({ minLength: 1, pattern: '^/' })),
        },
        { additionalProperties: false },
      ),
    ),
    /** Prometheus (toolkit/prometheus): its HTTP API, for status. */
    prometheus: Type.Optional(Endpoint),
    /** Alertmanager (toolkit/prometheus/alertmanager.ts): its API v2, for status and scripts/alerts.mjs. */
    alertmanager: Type.Optional(Endpoint),
    /**
     * The binlog archive (toolkit/backup): the account its archiver streams the master's binlog as, and
     * the folder it writes, when that folder can be read from this machine (absent: only whether it
     * streams from the master is checked).
     */
    binlogArchive: Type.Optional(
      Type.Object(
        {
          user: Type.String({ minLength: 1, maxLength: 80 }),
          dir: Type.Optional(Type.String({ pattern: '^/' })),
        },
        { additionalProperties: false },
      ),
    ),
    redis: Endpoint,
    rabbitmq: Type.Object(
      { host: Host, port: Port, vhost: Type.Optional(Type.String()), credential: Credential },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export type SecretRef = Static<typeof SecretRef>;
export type Credential = Static<typeof Credential>;
export type Endpoint = Static<typeof Endpoint>;
export type MysqlNode = Static<typeof MysqlNode>;
export type MysqlCluster = Static<typeof MysqlCluster>;
export type Inventory = Static<typeof Inventory>;
