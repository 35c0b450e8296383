import { readFileSync } from 'node:fs';
import { type TarantoolClient, TarantoolError } from '../../lib/tarantool/iproto.ts';
import type { Run } from '../procedure/run.ts';
import { initLua } from './server.ts';

/** The schema version init.lua declares (`local schema_version = N`). */
export function wantedSchemaVersion(text = readFileSync(initLua, 'utf8')): number {
  const match = /local schema_version = (\d+)/.exec(text);
  if (!match) throw new Error(`${initLua} declares no schema_version`);
  return Number(match[1]);
}

export async function currentSchemaVersion(admin: TarantoolClient): Promise<number> {
  try {
    const [version] = await admin.call('tarantool_schema_version');
    return Number(version ?? 0);
  } catch (error) {
    // A server started with an older init.lua has no such function yet.
    if (error instanceof TarantoolError) return 0;
    throw error;
  }
}

/**
 * Sends init.lua to the running server as admin (the seed's `dofile` in the console): spaces, indexes,
 * the search and replicator functions and their grants, all idempotent.
 */
export async function ensureTarantoolSchema(run: Run, admin: TarantoolClient, host: string): Promise<void> {
  const text = readFileSync(initLua, 'utf8');
  const wanted = wantedSchemaVersion(text);
  await run.converge({
    name: 'schema',
    host,
    read: async () => currentSchemaVersion(admin),
    diff: (version) =>
      version >= wanted ? null : `apply compose/tarantool/init.lua (schema ${version} → ${wanted})`,
    describe: (version) =>
      `schema ${version}: spaces user (513), replication_position (512), user_search, user_count`,
    apply: async () => {
      await admin.eval(text);
    },
  });
}
