#!/usr/bin/env zx
// The search cost curve: users topped up to each size, each query shape straight to MySQL and through the app.
// usage: npx zx scripts/scale-curve.mjs [--env <name>] [--sizes 1000000,3000000,10000000] [--duration 15]
import './lib/typescript.mjs';

const { runbookScript } = await import('../toolkit/procedure/main.ts');
const { scaleCurveRunbook } = await import('../benchmarks/perf/scale-curve-runbook.ts');

process.exitCode = await runbookScript(scaleCurveRunbook, import.meta.url);
