#!/usr/bin/env zx
// Semi-synchronous replication on the master and its slaves, verified by status counters.
import './lib/typescript.mjs';

const { runbookScript } = await import('../toolkit/procedure/main.ts');
const { semisyncRunbook } = await import('../toolkit/mysql/semisync-runbook.ts');

process.exitCode = await runbookScript(semisyncRunbook, import.meta.url);
