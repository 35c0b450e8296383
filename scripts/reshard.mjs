#!/usr/bin/env zx
// Online resharding of chat_message: `npx zx scripts/reshard.mjs -80 -40,40-80` (source shards, then target shards).
// Shard names start with '-', which zx would parse as flags: runbookScript reads the raw words from process.argv.
import './lib/typescript.mjs';

const { runbookScript } = await import('../toolkit/procedure/main.ts');
const { reshardRunbook } = await import('../toolkit/vitess/runbooks.ts');

process.exitCode = await runbookScript(reshardRunbook, import.meta.url);
