import { readFileSync } from 'node:fs';
import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parse, stringify } from 'yaml';
import type { MysqlCluster } from '../inventory/schema.ts';
import { UsageError } from '../procedure/errors.ts';

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
  },
  { additionalProperties: false },
);
export type AgentConfig = Static<typeof AgentConfig>;

export const defaultPollIntervalMs = 500;
export const monitorPasswordEnv = 'MYSQL_MONITOR_PASSWORD';

/** What HAProxy and its agent are rendered from: an inventory, or compose's topology (compose-config.ts). */
export interface MysqlTopology {
  name: string;
  mysql: Pick<MysqlCluster, 'master' | 'slaves' | 'fenced' | 'maxLagSeconds' | 'monitor'>;
}

/** Every node of the inventory (master, slaves, fenced): HAProxy has a server for each. */
export function inventoryNodes(inventory: MysqlTopology) {
  const { master, slaves, fenced = [] } = inventory.mysql;
  return [master, ...slaves, ...fenced];
}

export function agentConfigOf(
  inventory: MysqlTopology,
  listen: { host: string; port: number },
  pollIntervalMs = defaultPollIntervalMs,
): AgentConfig {
  const monitor = inventory.mysql.monitor;
  if (!monitor)
    throw new UsageError(
      `inventory ${inventory.name}: mysql.monitor is required for the HAProxy health agent (a least-privilege account)`,
    );
  return {
    listen,
    pollIntervalMs,
    // Three missed polls: a hung node goes down within about 1.5 s, one slow answer does not flap it.
    staleAfterMs: pollIntervalMs * 3,
    maxLagSeconds: inventory.mysql.maxLagSeconds ?? 5,
    monitor: { user: monitor.user, passwordEnv: monitorPasswordEnv },
    nodes: inventoryNodes(inventory).map((n) => ({ name: n.name, host: n.host, port: n.port })),
  };
}

export function renderAgentConfig(config: AgentConfig, header: string): string {
  const comment = header
    .split('\n')
    .map((line) => `# ${line}`.trimEnd())
    .join('\n');
  return `${comment}\n${stringify(config)}`;
}

export function parseAgentConfig(text: string, origin: string): AgentConfig {
  const raw: unknown = parse(text);
  const errors = [...Value.Errors(AgentConfig, raw)];
  if (errors.length > 0) {
    const first = errors[0]!;
    throw new UsageError(`health agent config ${origin}: ${first.path || '/'} ${first.message}`);
  }
  return raw as AgentConfig;
}

export function loadAgentConfig(path: string): AgentConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new UsageError(`cannot read health agent config ${path}`);
  }
  return parseAgentConfig(text, path);
}
