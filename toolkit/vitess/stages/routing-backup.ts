import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stateDir } from '../../inventory/paths.ts';
import { parseRoutingRules } from '../outputs.ts';
import { commands } from '../workflow.ts';
import type { StageContext } from './stage.ts';

/** Saves GetRoutingRules before a cutover (`<backups>/<ks>.<workflow>/<time>-<label>.routing-rules.json`). */
export async function backupRoutingRules(
  { run, vtctld, spec, options }: StageContext,
  label: string,
): Promise<string> {
  const rules = await vtctld.run(commands.routingRules());
  const dir = options.backupDir ?? join(stateDir(), 'vitess', 'backups');
  const stamp = (options.now?.() ?? new Date()).toISOString().replaceAll(':', '-');
  const folder = join(dir, `${spec.keyspace}.${spec.workflow}`);
  mkdirSync(folder, { recursive: true });
  const file = join(folder, `${stamp}-${label}.routing-rules.json`);
  writeFileSync(file, rules);
  run.note(`routing rules (${parseRoutingRules(rules).length}) backed up to ${file}`);
  return file;
}
