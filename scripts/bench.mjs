#!/usr/bin/env zx
// The project's benchmarks in one go (HTTP ceiling, users generator, ClickHouse load, the WRK report), numbers printed.
// usage: npx zx scripts/bench.mjs [--quick] [--only http,generate,clickhouse,wrk] [--env <name>] [-- <wrk-report flags>]
import './lib/typescript.mjs';

const { scriptArgs } = await import('../toolkit/procedure/args.ts');
const { runbookMain } = await import('../toolkit/procedure/main.ts');
const { benchRunbook } = await import('../benchmarks/wrk/bench-runbook.ts');

const words = scriptArgs(import.meta.url);
const split = words.indexOf('--');
process.exitCode = await runbookMain(benchRunbook(words), split === -1 ? words : words.slice(0, split));
