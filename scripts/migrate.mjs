#!/usr/bin/env zx
// Applies the app's pending migrations to the inventory's master (and chat_message's connection).
import './lib/typescript.mjs';

const { scriptArgs } = await import('../toolkit/procedure/args.ts');
const { runbookMain } = await import('../toolkit/procedure/main.ts');
const { migrateRunbook } = await import('../toolkit/app/migrate-runbook.ts');

process.exitCode = await runbookMain(migrateRunbook, scriptArgs(import.meta.url));
