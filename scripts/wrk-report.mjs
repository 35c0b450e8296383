#!/usr/bin/env zx
// The WRK report of the user search: wrk and the MySQL-alone limit, with and without the index, into reports/wrk/<timestamp>/.
// usage: npx zx scripts/wrk-report.mjs [--env <name>] [--users N] [--duration S] [--connections 1,10,100,1000] [--quick]
import './lib/typescript.mjs';

const { runbookScript } = await import('../toolkit/procedure/main.ts');
const { wrkReportRunbook } = await import('../benchmarks/wrk/runbook.ts');

process.exitCode = await runbookScript(wrkReportRunbook, import.meta.url);
