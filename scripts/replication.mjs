#!/usr/bin/env zx
// Master → every slave of the inventory: preflight, replication user, GTID replication, marker check.
// The local environment's data-dir swap (seeding a slave from a backup) is handed down from here.
import './lib/typescript.mjs';

const { runbookScript } = await import('../toolkit/procedure/main.ts');
const { replicationRunbookWith } = await import('../toolkit/mysql/replication-runbook.ts');
const { localNodeReplacerFor } = await import('../toolkit/local/restore-replace.ts');

process.exitCode = await runbookScript(replicationRunbookWith(localNodeReplacerFor), import.meta.url);
