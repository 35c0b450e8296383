#!/usr/bin/env zx
// The WRK report of the user search: wrk and the MySQL-alone limit, with and without the index, into reports/wrk/<timestamp>/.
// usage: npx zx scripts/wrk-report.mjs [--env <name>] [--users N] [--duration S] [--connections 1,10,100,1000] [--quick]
import './lib/typescript.mjs';

const { scriptArgs } = await import('../toolkit/procedure/args.ts');
const { runbookMain } = await import('../toolkit/procedure/main.ts');
const { wrkReportRunbook } = await import('../benchmarks/wrk/runbook.ts');

const words = scriptArgs(import.meta.url);
process.exitCode = await runbookMain(wrkReportRunbook(words), words);
