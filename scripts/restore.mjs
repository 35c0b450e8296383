#!/usr/bin/env zx
// Point-in-time restore into a new server; the local environment's node swap (--replace) is handed down from here.
import './lib/typescript.mjs';

const { runbookScript } = await import('../toolkit/procedure/main.ts');
const { restoreRunbook } = await import('../toolkit/backup/runbooks.ts');
const { localNodeReplacerFor } = await import('../toolkit/local/restore-replace.ts');

process.exitCode = await runbookScript(restoreRunbook(localNodeReplacerFor), import.meta.url);
