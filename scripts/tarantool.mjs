#!/usr/bin/env zx
// The seed's Tarantool steps (dofile init.lua, restart the replicator, systemctl status, tail the log) as one runbook.
import './lib/typescript.mjs';

const { scriptArgs } = await import('../toolkit/procedure/args.ts');
const { runbookMain } = await import('../toolkit/procedure/main.ts');
const { tarantoolRunbook } = await import('../toolkit/tarantool/runbook.ts');
const { localReplicatorControlFor } = await import('../toolkit/local/tarantool-component.ts');

process.exitCode = await runbookMain(
  tarantoolRunbook(localReplicatorControlFor),
  scriptArgs(import.meta.url),
);
