#!/usr/bin/env zx
// Master → every slave of the inventory: preflight, replication user, GTID replication, marker check.
import './lib/typescript.mjs';

const { runbookScript } = await import('../toolkit/procedure/main.ts');
const { replicationRunbook } = await import('../toolkit/mysql/replication-runbook.ts');

process.exitCode = await runbookScript(replicationRunbook, import.meta.url);
