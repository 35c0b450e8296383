import { readFileSync } from 'node:fs';
import type { LogFile } from './logging.ts';

export interface MysqlEndpoint {
  host: string;
  port: number;
}

export interface MysqlTarget extends MysqlEndpoint {
  user: string;
  password: string;
  database: string;
}

export interface AppConfig {
  host: string;
  port: number;
  /** Prometheus's /metrics listener (never the public one); port 0: none. */
  metrics: { host: string; port: number };
  logLevel: string;
  /** Logs go here (rotated by size, 0640) instead of stdout when set. */
  logFile: LogFile | undefined;
  http: HttpLimits;
  websocket: { maxPerUser: number; pingIntervalMs: number };
  master: MysqlTarget;
  /** Lag-tolerant reads go here round-robin; empty means the master serves them. */
  slaves: MysqlTarget[];
  /** Where chat_message lives: the master itself, or a vtgate once Vitess took the table. */
  chat: MysqlTarget;
  poolSize: number;
  redis: { host: string; port: number; password?: string; db: number };
  rabbitmq: { url: string; prefix: string };
  auth: {
    tokenSecret: string;
    tokenTtlSeconds: number;
    /** How long an instance may keep a user's token generation before asking MySQL again. */
    generationCacheMs: number;
    limits: LoginLimitSettings;
  };
  /**
   * size: posts kept per feed; celebrityFollowers: above this many followers an author's fan-out goes to
   * the bulk queue; fanoutPageSize: followers per fan-out page (one query, one Redis pipeline, one bulk message).
   */
  feed: { size: number; celebrityFollowers: number; fanoutPageSize: number };
  instanceId: number;
  migrateOnStart: boolean;
  /**
   * Whose X-Forwarded-For/-Proto/-Host to believe (fastify's trustProxy): false (the default) when
   * clients reach the app directly, so nobody picks their own address for the login rate limit; true
   * for any proxy in front, or the proxies' addresses and CIDR ranges.
   */
  trustProxy: boolean | string[];
  /** Who answers GET /user/search: MySQL (the slaves) or the Tarantool replica of the user table. */
  search: { backend: 'mysql' } | { backend: 'tarantool'; tarantool: TarantoolTarget };
  /**
   * How the MySQL search is put to the database (users/repository.ts searchByNamePrefix): `auto`
   * picks per table size as measured (docs/performance.md); `single` or `expanded` force one shape.
   */
  searchShape: 'auto' | 'single' | 'expanded';
}

export interface LoginLimitSettings {
  /** Login attempts per client address per minute, all login paths together (/login, /login/email, /signin). */
  perAddressPerMinute: number;
  /** Registrations per client address per hour (/user/register and /signup together). */
  registrationsPerAddressPerHour: number;
  /** Failed password checks of one account before the back-off starts. */
  freeFailures: number;
  /** The longest lock of one account (the back-off doubles from 1 s up to this). */
  maxBackoffSeconds: number;
}

export interface HttpLimits {
  /** Receiving one whole request (headers and body) may take this long; then 408 and the connection closes. */
  requestTimeoutMs: number;
  /** Handling one request may take this long; then 503 (code 2002). */
  handlerTimeoutMs: number;
  /** All request headers together; more is a 431. */
  maxHeaderBytes: number;
  /** The body; more is a 413. */
  bodyLimitBytes: number;
}

export interface TarantoolTarget {
  host: string;
  port: number;
  user: string;
  password: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

/** Every setting comes from the environment; .env.example at the repo root lists them all. */
export function loadConfig(env: Env = process.env): AppConfig {
  const read = reader(env);
  const master: MysqlTarget = {
    host: read.string('MYSQL_HOST', '127.0.0.1'),
    port: read.port('MYSQL_PORT', 3306),
    user: read.string('MYSQL_USER', 'app'),
    password: read.secret('MYSQL_PASSWORD'),
    database: read.string('MYSQL_DB', 'app'),
  };
  const slaveUser = read.string('SLAVE_MYSQL_USER', master.user);
  const slavePassword = read.optionalSecret('SLAVE_MYSQL_PASSWORD') ?? master.password;
  const slaves = read
    .endpoints('SLAVE_MYSQL_HOSTS')
    .map((e) => ({ ...e, user: slaveUser, password: slavePassword, database: master.database }));
  const chat: MysqlTarget = {
    host: read.string('CHAT_MYSQL_HOST', master.host),
    port: read.port('CHAT_MYSQL_PORT', master.port),
    user: read.string('CHAT_MYSQL_USER', master.user),
    password: read.optionalSecret('CHAT_MYSQL_PASSWORD') ?? master.password,
    database: read.string('CHAT_MYSQL_DB', master.database),
  };
  const rabbitUser = encodeURIComponent(read.string('RABBITMQ_USER', 'guest'));
  const rabbitPassword = encodeURIComponent(read.optionalSecret('RABBITMQ_PASSWORD') ?? 'guest');
  const rabbitHost = `${read.string('RABBITMQ_HOST', '127.0.0.1')}:${read.port('RABBITMQ_PORT', 5672)}`;
  const vhost = encodeURIComponent(read.string('RABBITMQ_VHOST', '/'));
  return {
    host: read.string('APP_HOST', '0.0.0.0'),
    port: read.port('APP_PORT', 5000),
    metrics: {
      host: read.string('METRICS_HOST', '127.0.0.1'),
      port: read.int('METRICS_PORT', 9464, 0, 65535),
    },
    logLevel: read.choice('LOG_LEVEL', 'info', [
      'fatal',
      'error',
      'warn',
      'info',
      'debug',
      'trace',
      'silent',
    ]),
    logFile: logFile(read),
    http: {
      requestTimeoutMs: read.int('HTTP_REQUEST_TIMEOUT_MS', 15_000, 100, 600_000),
      handlerTimeoutMs: read.int('HTTP_HANDLER_TIMEOUT_MS', 30_000, 100, 600_000),
      maxHeaderBytes: read.int('HTTP_MAX_HEADER_BYTES', 16_384, 1024, 1_048_576),
      bodyLimitBytes: read.int('HTTP_BODY_LIMIT_BYTES', 65_536, 1024, 16_777_216),
    },
    websocket: {
      maxPerUser: read.int('WS_MAX_CONNECTIONS_PER_USER', 16, 1, 10_000),
      pingIntervalMs: read.int('WS_PING_INTERVAL_MS', 30_000, 100, 3_600_000),
    },
    master,
    slaves,
    chat,
    poolSize: read.int('MYSQL_POOL_SIZE', 20, 1, 1000),
    redis: {
      host: read.string('REDIS_HOST', '127.0.0.1'),
      port: read.port('REDIS_PORT', 6379),
      password: read.optionalSecret('REDIS_PASSWORD'),
      db: read.int('REDIS_DB', 0, 0, 15),
    },
    rabbitmq: {
      url: `amqp://${rabbitUser}:${rabbitPassword}@${rabbitHost}/${vhost}`,
      prefix: read.name('RABBITMQ_PREFIX', 'social'),
    },
    auth: {
      tokenSecret: read.secret('AUTH_TOKEN_SECRET', 32),
      tokenTtlSeconds: read.int('AUTH_TOKEN_TTL_SECONDS', 86_400, 60, 31_536_000),
      generationCacheMs: read.int('AUTH_GENERATION_CACHE_MS', 2000, 0, 60_000),
      limits: {
        perAddressPerMinute: read.int('LOGIN_RATE_LIMIT_PER_MINUTE', 30, 1, 1_000_000),
        registrationsPerAddressPerHour: read.int('REGISTER_RATE_LIMIT_PER_HOUR', 20, 1, 1_000_000),
        freeFailures: read.int('LOGIN_ACCOUNT_FREE_FAILURES', 5, 1, 1000),
        maxBackoffSeconds: read.int('LOGIN_ACCOUNT_MAX_BACKOFF_SECONDS', 900, 1, 86_400),
      },
    },
    feed: {
      size: read.int('FEED_SIZE', 1000, 10, 100_000),
      celebrityFollowers: read.int('FEED_CELEBRITY_FOLLOWERS', 10_000, 1, 1_000_000_000),
      fanoutPageSize: read.int('FEED_FANOUT_PAGE_SIZE', 1000, 1, 100_000),
    },
    instanceId: read.int('APP_INSTANCE_ID', Math.floor(Math.random() * 1024), 0, 1023),
    migrateOnStart: read.bool('MIGRATE_ON_START', false),
    trustProxy: trustProxy(read.string('TRUST_PROXY', 'false')),
    searchShape: read.choice('SEARCH_SHAPE', 'auto', [
      'auto',
      'single',
      'expanded',
    ]) as AppConfig['searchShape'],
    search:
      read.choice('SEARCH_BACKEND', 'mysql', ['mysql', 'tarantool']) === 'tarantool'
        ? {
            backend: 'tarantool',
            tarantool: {
              host: read.string('TARANTOOL_HOST', '127.0.0.1'),
              port: read.port('TARANTOOL_PORT', 3301),
              user: read.string('TARANTOOL_USER', 'app'),
              password: read.secret('TARANTOOL_PASSWORD'),
            },
          }
        : { backend: 'mysql' },
  };
}

function logFile(read: ReturnType<typeof reader>): LogFile | undefined {
  const path = read.string('LOG_FILE', '');
  if (path === '') return undefined;
  return {
    path,
    maxBytes: read.int('LOG_FILE_MAX_BYTES', 10 * 1024 * 1024, 1024, 1024 ** 3),
    keep: read.int('LOG_FILE_KEEP', 5, 1, 100),
  };
}

/** TRUST_PROXY: false | true | comma-separated addresses or CIDR ranges of the proxies. */
export function trustProxy(value: string): boolean | string[] {
  const v = value.trim();
  if (v === 'false' || v === '0') return false;
  if (v === 'true' || v === '1') return true;
  const list = v.split(',').map((s) => s.trim());
  if (list.some((s) => !/^[0-9A-Fa-f.:]+(\/[0-9]{1,3})?$/.test(s)))
    throw new ConfigError(
      `TRUST_PROXY must be false, true or comma-separated addresses/CIDR ranges, got '${value}'`,
    );
  return list;
}

function reader(env: Env) {
  const raw = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value === '' ? undefined : value;
  };
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const value = raw(name);
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got '${value}'`);
    return n;
  };
  /** NAME or, for container secrets, NAME_FILE (the file's first line). */
  const optionalSecret = (name: string): string | undefined => {
    const file = raw(`${name}_FILE`);
    if (file) {
      try {
        return readFileSync(file, 'utf8').split('\n')[0]?.trim() || undefined;
      } catch {
        throw new ConfigError(`${name}_FILE: cannot read ${file}`);
      }
    }
    return raw(name);
  };
  const endpoint = (name: string, word: string): MysqlEndpoint => {
    const match = /^([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/.exec(word);
    const port = Number(match?.[2]);
    if (!match || port < 1 || port > 65535) throw new ConfigError(`${name}: '${word}' is not host:port`);
    return { host: match[1]!, port };
  };
  return {
    int,
    optionalSecret,
    string: (name: string, fallback: string): string => raw(name) ?? fallback,
    port: (name: string, fallback: number): number => int(name, fallback, 1, 65535),
    bool: (name: string, fallback: boolean): boolean => {
      const value = raw(name);
      if (value === undefined) return fallback;
      if (!['true', 'false', '1', '0'].includes(value))
        throw new ConfigError(`${name} must be true or false, got '${value}'`);
      return value === 'true' || value === '1';
    },
    choice: (name: string, fallback: string, allowed: string[]): string => {
      const value = raw(name) ?? fallback;
      if (!allowed.includes(value))
        throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got '${value}'`);
      return value;
    },
    name: (name: string, fallback: string): string => {
      const value = raw(name) ?? fallback;
      if (!/^[A-Za-z0-9_.-]{1,100}$/.test(value))
        throw new ConfigError(`${name} must be letters, digits, _ . -, got '${value}'`);
      return value;
    },
    secret: (name: string, minLength = 1): string => {
      const value = optionalSecret(name);
      if (value === undefined) throw new ConfigError(`${name} (or ${name}_FILE) is required`);
      if (value.length < minLength) throw new ConfigError(`${name} must be at least ${minLength} characters`);
      return value;
    },
    endpoints: (name: string): MysqlEndpoint[] =>
      (raw(name) ?? '')
        .split(',')
        .map((w) => w.trim())
        .filter(Boolean)
        .map((w) => endpoint(name, w)),
  };
}
