#!/usr/bin/env zx
// A CPU profile of the app's search under wrk: top functions and time by area into reports/perf/.
// usage: npx zx scripts/profile-app.mjs [--env <name>] [--reads master|slaves] [--connections 100] [--duration 20]
import './lib/typescript.mjs';

const { runbookScript } = await import('../toolkit/procedure/main.ts');
const { profileRunbook } = await import('../benchmarks/perf/profile-runbook.ts');

process.exitCode = await runbookScript(profileRunbook, import.meta.url);
