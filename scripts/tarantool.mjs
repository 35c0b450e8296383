#!/usr/bin/env zx
// The seed's Tarantool steps (dofile init.lua, restart the replicator, systemctl status, tail the log) as one runbook.
// The local environment's replicator control is handed down from here: the runbook does not import the environment.
import './lib/typescript.mjs';

const { runbookScript } = await import('../toolkit/procedure/main.ts');
const { tarantoolRunbook } = await import('../toolkit/tarantool/runbook.ts');
const { localReplicatorControlFor } = await import('../toolkit/local/tarantool-component.ts');

process.exitCode = await runbookScript(tarantoolRunbook(localReplicatorControlFor), import.meta.url);
