#!/usr/bin/env zx
// The seed's mysqldump --tab + INSERT FORMAT CSV, safe to re-run: TabSeparated export, staging table, checks, atomic swap.
import './lib/typescript.mjs';

const { runbookScript } = await import('../toolkit/procedure/main.ts');
const { clickhouseLoadRunbook } = await import('../toolkit/clickhouse/load-runbook.ts');

process.exitCode = await runbookScript(clickhouseLoadRunbook, import.meta.url);
