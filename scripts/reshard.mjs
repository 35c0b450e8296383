#!/usr/bin/env zx
// Online resharding of chat_message: `npx zx scripts/reshard.mjs -80 -40,40-80` (source shards, then target shards).
// Shard names start with '-', which zx would parse as flags: scriptArgs() reads the raw words from process.argv.
import './lib/typescript.mjs';

const { scriptArgs } = await import('../toolkit/procedure/args.ts');
const { runbookMain } = await import('../toolkit/procedure/main.ts');
const { reshardRunbook } = await import('../toolkit/vitess/runbooks.ts');

process.exitCode = await runbookMain(reshardRunbook, scriptArgs(import.meta.url));
