#!/usr/bin/env zx
// A fault under load, measured: the master SIGKILLed (failover) or one app instance (app-instance); a report.
import './lib/typescript.mjs';

const { runbookScript } = await import('../toolkit/procedure/main.ts');
const { drillRunbook } = await import('../toolkit/local/drill/runbook.ts');

process.exitCode = await runbookScript(drillRunbook, import.meta.url);
