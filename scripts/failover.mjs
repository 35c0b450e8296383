#!/usr/bin/env zx
// Promote the most complete slave when the master is down (or on --switchover), fence the old master.
import './lib/typescript.mjs';

const { runbookScript } = await import('../toolkit/procedure/main.ts');
const { failoverRunbook } = await import('../toolkit/mysql/failover-runbook.ts');

process.exitCode = await runbookScript(failoverRunbook, import.meta.url);
