import { Value } from '@sinclair/typebox/value';
import { UsageError } from '../procedure/errors.ts';
import { Inventory, type MysqlNode } from './schema.ts';

/** Checks shape and meaning; the first problem becomes one line naming the field. */
export function validateInventory(value: unknown, origin: string): Inventory {
  const errors = [...Value.Errors(Inventory, value)];
  // A typo shows up twice (the unknown field and the missing one); the typo is what to report.
  const first = errors.find((e) => e.message === 'Unexpected property') ?? errors[0];
  if (first) {
    const where = first.path || '/';
    throw new UsageError(`inventory ${origin}: ${where}: ${describe(first.message, first.path, value)}`);
  }
  const inventory = value as Inventory;
  checkTopology(inventory, origin);
  return inventory;
}

function describe(message: string, path: string, value: unknown): string {
  if (message === 'Unexpected property') return `unknown field '${path.split('/').pop()}' (a typo?)`;
  if (message.startsWith('Expected required property')) return 'is required';
  // Never echo what stands where a secret reference belongs: it may be the secret itself.
  if (/\/password$/.test(path))
    return 'must be a secret reference (env:NAME, file:path or local:key), not the secret itself';
  const actual = path
    .split('/')
    .slice(1)
    .reduce<unknown>((v, key) => (v as Record<string, unknown> | undefined)?.[key], value);
  return `${message.toLowerCase()}, got ${JSON.stringify(actual)}`;
}

function checkTopology(inventory: Inventory, origin: string): void {
  const { master, slaves, fenced = [] } = inventory.mysql;
  const nodes: Array<[string, MysqlNode]> = [
    ['master', master],
    ...slaves.map((s): [string, MysqlNode] => ['slave', s]),
    ...fenced.map((s): [string, MysqlNode] => ['fenced', s]),
  ];
  const names = new Map<string, string>();
  const addresses = new Map<string, string>();
  for (const [role, node] of nodes) {
    if (names.has(node.name))
      throw new UsageError(`inventory ${origin}: mysql node name '${node.name}' is used twice`);
    names.set(node.name, role);
    const address = `${node.host}:${node.port}`;
    const other = addresses.get(address);
    if (other) {
      throw new UsageError(
        `inventory ${origin}: ${role} ${node.name} points at ${address}, which is ${other} already (a slave cannot replicate from itself)`,
      );
    }
    addresses.set(address, `${role} ${node.name}`);
  }
}
