#!/usr/bin/env zx
// Applies the app's pending migrations to the inventory's master (and chat_message's connection).
import './lib/typescript.mjs';

const { runbookScript } = await import('../toolkit/procedure/main.ts');
const { migrateRunbook } = await import('../toolkit/app/migrate-runbook.ts');

process.exitCode = await runbookScript(migrateRunbook, import.meta.url);
