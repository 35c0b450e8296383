#!/usr/bin/env zx
// A fault under load, measured: the master SIGKILLed (failover), one app instance (app-instance), or a dropped table restored (restore); a report.
import './lib/typescript.mjs';

const { runbookScript } = await import('../toolkit/procedure/main.ts');
const { drillRunbook } = await import('../toolkit/local/drill/runbook.ts');

process.exitCode = await runbookScript(drillRunbook, import.meta.url);
