import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { LocalInventorySource } from '../local/inventory.ts';
import { UsageError } from '../procedure/errors.ts';
import { environmentsDir, repoRoot } from './paths.ts';
import type { Inventory } from './schema.ts';
import type { InventorySource } from './source.ts';
import { YamlInventorySource } from './yaml-source.ts';

/** `local` is the local environment's own state; any other name is environments/<name>.yaml. */
export function inventorySource(env: string): InventorySource {
  if (!/^[a-z][a-z0-9_-]{0,62}$/.test(env))
    throw new UsageError(`environment name '${env}' is not valid (lower-case letters, digits, - and _)`);
  if (env === 'local') return new LocalInventorySource();
  const file = join(environmentsDir(), `${env}.yaml`);
  if (!existsSync(file)) {
    const known = ['local', ...listEnvironments()].join(', ');
    throw new UsageError(
      `unknown environment '${env}': no ${relative(repoRoot, file) || file} (known: ${known})`,
    );
  }
  return new YamlInventorySource(env, file);
}

export async function openInventory(env: string): Promise<{ inventory: Inventory; source: InventorySource }> {
  const source = inventorySource(env);
  return { inventory: await source.load(), source };
}

function listEnvironments(): string[] {
  try {
    return readdirSync(environmentsDir())
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => f.slice(0, -5));
  } catch {
    return [];
  }
}
