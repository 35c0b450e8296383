// What the health agent reads at start: its YAML config and the monitor account's password. The toolkit
// renders the config (../agent-config.ts); this side only reads it, so it ships without the toolkit.
import { readFileSync } from 'node:fs';
import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parse } from 'yaml';

/** A config or environment the agent cannot run with; code USAGE, like the toolkit's usage errors (exit 2). */
export class AgentConfigError extends Error {
  override name = 'AgentConfigError';
  readonly code = 'USAGE';
}

const Port = Type.Integer({ minimum: 1, maximum: 65535 });
const HostName = Type.String({ minLength: 1, maxLength: 253, pattern: '^[A-Za-z0-9.:_-]+$' });

/** The health agent's whole world: whom to poll, as whom, how often, and where HAProxy asks it. */
export const AgentConfig = Type.Object(
  {
    listen: Type.Object({ host: HostName, port: Port }, { additionalProperties: false }),
    pollIntervalMs: Type.Integer({ minimum: 50, maximum: 60_000 }),
    /** A node whose last answer is older than this is judged down. */
    staleAfterMs: Type.Integer({ minimum: 100, maximum: 600_000 }),
    maxLagSeconds: Type.Number({ minimum: 0 }),
    monitor: Type.Object(
      {
        user: Type.String({ minLength: 1, maxLength: 80 }),
        /** The environment variable that holds the password (never the password itself). */
        passwordEnv: Type.String({ pattern: '^[A-Z_][A-Z0-9_]*$' }),
      },
      { additionalProperties: false },
    ),
    nodes: Type.Array(
      Type.Object(
        { name: Type.String({ pattern: '^[a-z][a-z0-9_-]{0,62}$' }), host: HostName, port: Port },
        { additionalProperties: false },
      ),
      { minItems: 1 },
    ),
    /**
     * Where no toolkit process reaches HAProxy's runtime API (compose, the stacks): the agent opens a
     * fresh HAProxy's servers over this admin socket (server-opener.ts).
     */
    openServers: Type.Optional(
      Type.Object(
        {
          socket: Type.String({ minLength: 1, maxLength: 200, pattern: '^/[A-Za-z0-9._/-]+$' }),
          servers: Type.Array(
            Type.Object(
              {
                backend: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }),
                server: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }),
              },
              { additionalProperties: false },
            ),
            { minItems: 1 },
          ),
        },
        { additionalProperties: false },
      ),
    ),
    /**
     * Follow mode (compose, the stacks): the agent moves HAProxy's writer itself, over openServers'
     * socket, to the writable node claiming the highest topology epoch (follower.ts); openServers then
     * opens the readers only.
     */
    followWriter: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type AgentConfig = Static<typeof AgentConfig>;
export type AgentNode = AgentConfig['nodes'][number];

export function parseAgentConfig(text: string, origin: string): AgentConfig {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    throw new AgentConfigError(`health agent config ${origin}: not YAML: ${(error as Error).message}`);
  }
  const errors = [...Value.Errors(AgentConfig, raw)];
  if (errors.length > 0) {
    const first = errors[0]!;
    throw new AgentConfigError(`health agent config ${origin}: ${first.path || '/'} ${first.message}`);
  }
  const config = raw as AgentConfig;
  if (config.followWriter && !config.openServers)
    throw new AgentConfigError(
      `health agent config ${origin}: followWriter needs openServers (its admin socket)`,
    );
  return config;
}

export function loadAgentConfig(path: string): AgentConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new AgentConfigError(`cannot read health agent config ${path}`);
  }
  return parseAgentConfig(text, path);
}

/**
 * The variable NAME or, for container secrets, the first line of the file NAME_FILE names (as the app
 * and the replicator read theirs).
 */
export function passwordFrom(name: string, env: NodeJS.ProcessEnv): string {
  const file = env[`${name}_FILE`];
  if (file) {
    let line: string | undefined;
    try {
      line = readFileSync(file, 'utf8').split('\n')[0]?.trim();
    } catch {
      throw new AgentConfigError(`${name}_FILE: cannot read ${file}`);
    }
    if (line) return line;
    throw new AgentConfigError(`${name}_FILE: ${file} is empty`);
  }
  const value = env[name];
  if (value === undefined || value === '')
    throw new AgentConfigError(`the password variable ${name} (or ${name}_FILE) is not set`);
  return value;
}
