#!/usr/bin/env zx
// Why the ClickHouse copy exists: users by age and gender, and by city, over the whole table in milliseconds.
import './lib/typescript.mjs';

const { runbookScript } = await import('../toolkit/procedure/main.ts');
const { clickhouseReport } = await import('../toolkit/clickhouse/analytics.ts');

process.exitCode = await runbookScript(clickhouseReport, import.meta.url);
