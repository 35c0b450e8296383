import { existsSync, readFileSync } from 'node:fs';
import { execa } from 'execa';
import { ToolkitError } from '../procedure/errors.ts';

/**
 * The part of an environment's inventory that a Pulumi stack knows: the endpoints it created.
 * A stack exports it as the output `inventory`; credentials stay in the environment's YAML as
 * references, so no secret passes through stack outputs.
 */
export interface StackInventoryOutput {
  mysql: {
    master: { name: string; host: string; port: number; replicationHost?: string };
    slaves: Array<{ name: string; host: string; port: number; replicationHost?: string }>;
  };
  vtctld?: { host: string; grpcPort: number; webPort: number };
  vtgate?: { host: string; mysqlPort: number };
  tarantool?: { host: string; port: number };
  clickhouse?: { host: string; httpPort: number };
  app?: { url: string };
  redis: { host: string; port: number };
  rabbitmq: { host: string; port: number };
}

/**
 * Reads `pulumi stack output --json` for the stack; a recorded outputs file (for machines without
 * the Pulumi CLI, and for tests) takes precedence when it exists.
 */
export async function readStackOutputs(stack: string, recordedFile: string): Promise<StackInventoryOutput> {
  let outputs: Record<string, unknown>;
  if (existsSync(recordedFile)) {
    outputs = JSON.parse(readFileSync(recordedFile, 'utf8')) as Record<string, unknown>;
  } else {
    const result = await execa('pulumi', ['stack', 'output', '--json', '--stack', stack], { reject: false });
    if (result.failed) {
      const why = result.code === 'ENOENT' ? 'the pulumi CLI is not installed' : result.stderr.split('\n')[0];
      throw new ToolkitError(
        `cannot read outputs of pulumi stack ${stack}: ${why} (or record them in ${recordedFile})`,
      );
    }
    outputs = JSON.parse(result.stdout) as Record<string, unknown>;
  }
  const inventory = outputs.inventory;
  if (!inventory || typeof inventory !== 'object') {
    throw new ToolkitError(`pulumi stack ${stack} has no 'inventory' output`);
  }
  return inventory as StackInventoryOutput;
}
