import { readFileSync } from 'node:fs';
import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parse } from 'yaml';

/** A config the replicator cannot run with; code USAGE, like the toolkit's usage errors (exit 2). */
export class ReplicatorConfigError extends Error {
  override name = 'ReplicatorConfigError';
  readonly code = 'USAGE';
}

const Identifier = Type.String({ pattern: '^[A-Za-z0-9_$]{1,64}$' });
const PasswordEnv = Type.String({
  pattern: '^[A-Z_][A-Z0-9_]*$',
  description: 'the environment variable that holds the password (never the password itself)',
});

/** replicatord's config shape (mysql, tarantool, mappings), plus where passwords come from. */
export const ReplicatorConfig = Type.Object(
  {
    mysql: Type.Object(
      {
        host: Type.String({ minLength: 1 }),
        port: Type.Integer({ minimum: 1, maximum: 65535 }),
        user: Type.String({ minLength: 1 }),
        passwordEnv: Type.Optional(PasswordEnv),
        /** The id this binlog reader announces to the master; unique among its replicas. */
        server_id: Type.Optional(Type.Integer({ minimum: 1, maximum: 4294967295 })),
        connect_retry: Type.Optional(Type.Number({ minimum: 0.1, maximum: 600 })),
      },
      { additionalProperties: false },
    ),
    tarantool: Type.Object(
      {
        host: Type.String({ minLength: 1 }),
        port: Type.Integer({ minimum: 1, maximum: 65535 }),
        user: Type.Optional(Type.String({ minLength: 1 })),
        passwordEnv: Type.Optional(PasswordEnv),
        binlog_pos_space: Type.Integer({ minimum: 1 }),
        binlog_pos_key: Type.Integer({ minimum: 0 }),
        connect_retry: Type.Optional(Type.Number({ minimum: 0.1, maximum: 600 })),
      },
      { additionalProperties: false },
    ),
    /** Prometheus's /metrics (toolkit/tarantool/replicator/metrics.ts); absent or port 0: none. */
    metrics: Type.Optional(
      Type.Object(
        { host: Type.String({ minLength: 1 }), port: Type.Integer({ minimum: 0, maximum: 65535 }) },
        { additionalProperties: false },
      ),
    ),
    mappings: Type.Array(
      Type.Object(
        {
          database: Identifier,
          table: Identifier,
          /** MySQL columns, in the order of the Tarantool tuple's fields. */
          columns: Type.Array(Identifier, { minItems: 1 }),
          space: Type.Integer({ minimum: 1 }),
          /** Positions in `columns` of the space's primary key. */
          key_fields: Type.Array(Type.Integer({ minimum: 0 }), { minItems: 1 }),
        },
        { additionalProperties: false },
      ),
      { minItems: 1 },
    ),
  },
  { additionalProperties: false },
);
export type ReplicatorConfig = Static<typeof ReplicatorConfig>;
export type Mapping = ReplicatorConfig['mappings'][number];

/**
 * `${NAME}` and `${NAME:-default}` are replaced from the environment before parsing, so one file
 * serves compose (service names) and the local environment (ports) alike.
 */
export function expandEnv(text: string, env: NodeJS.ProcessEnv): string {
  return text
    .split('\n')
    .map((line) => (line.trimStart().startsWith('#') ? line : expandLine(line, env)))
    .join('\n');
}

function expandLine(line: string, env: NodeJS.ProcessEnv): string {
  return line.replace(/\$\{([A-Z_][A-Z0-9_]*)(?::-([^}]*))?\}/g, (_, name: string, fallback?: string) => {
    const value = env[name];
    if (value !== undefined && value !== '') return value;
    if (fallback !== undefined) return fallback;
    throw new ReplicatorConfigError(`replicator config needs the environment variable ${name}`);
  });
}

export function parseReplicatorConfig(text: string, env: NodeJS.ProcessEnv = process.env): ReplicatorConfig {
  const raw: unknown = parse(expandEnv(text, env));
  const converted = Value.Convert(ReplicatorConfig, raw);
  const errors = [...Value.Errors(ReplicatorConfig, converted)];
  if (errors.length > 0) {
    const first = errors[0]!;
    throw new ReplicatorConfigError(`replicator config: ${first.path || '/'} ${first.message}`);
  }
  const config = converted as ReplicatorConfig;
  for (const mapping of config.mappings) {
    for (const key of mapping.key_fields) {
      if (key >= mapping.columns.length)
        throw new ReplicatorConfigError(
          `replicator config: ${mapping.database}.${mapping.table} key field ${key} is not one of its ${mapping.columns.length} columns`,
        );
    }
  }
  return config;
}

export function loadReplicatorConfig(path: string, env: NodeJS.ProcessEnv = process.env): ReplicatorConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new ReplicatorConfigError(`cannot read replicator config ${path}`);
  }
  return parseReplicatorConfig(text, env);
}

/** The variable NAME or, for container secrets, the first line of the file NAME_FILE names (as the app reads them). */
export function passwordFrom(name: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  if (!name) return undefined;
  const file = env[`${name}_FILE`];
  if (file) {
    try {
      const line = readFileSync(file, 'utf8').split('\n')[0]?.trim();
      if (line) return line;
    } catch {
      throw new ReplicatorConfigError(`${name}_FILE: cannot read ${file}`);
    }
    throw new ReplicatorConfigError(`${name}_FILE: ${file} is empty`);
  }
  const value = env[name];
  if (value === undefined || value === '')
    throw new ReplicatorConfigError(`the password variable ${name} (or ${name}_FILE) is not set`);
  return value;
}
