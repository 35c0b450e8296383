#!/usr/bin/env zx
// The seed's `flask user generate [count]`: tops the user table up to <count> users, with friendships, posts and dialogs.
import './lib/typescript.mjs';

const { runbookScript } = await import('../toolkit/procedure/main.ts');
const { generateRunbook } = await import('../toolkit/app/generate-runbook.ts');

process.exitCode = await runbookScript(generateRunbook, import.meta.url);
