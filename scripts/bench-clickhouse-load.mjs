#!/usr/bin/env zx
// Benchmark: the ClickHouse load on a throwaway MariaDB + ClickHouse; prints rows per second for each run.
// usage: npx zx scripts/bench-clickhouse-load.mjs [--users 1000000] [--runs 3]
import './lib/typescript.mjs';

const { scriptArgs } = await import('../toolkit/procedure/args.ts');
const { clickhouseLoadBenchMain } = await import('../benchmarks/clickhouse/load.ts');

process.exitCode = await clickhouseLoadBenchMain(scriptArgs(import.meta.url));
