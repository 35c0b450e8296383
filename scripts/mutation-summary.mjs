#!/usr/bin/env node
// Writes reports/mutation/summary.md (per-module scores) from the Stryker run's reports/mutation/mutation.json.
// usage: node scripts/mutation-summary.mjs   (run by `npm run mutation` after Stryker)
import './lib/typescript.mjs';
import { readFileSync, writeFileSync } from 'node:fs';

const { summarize } = await import('../toolkit/mutation/summary.ts');
const dir = new URL('../reports/mutation/', import.meta.url);
const report = JSON.parse(readFileSync(new URL('mutation.json', dir), 'utf8'));
const when = new Date().toISOString().slice(0, 10);
writeFileSync(new URL('summary.md', dir), summarize(report, when));
console.log(`reports/mutation/summary.md written (${when})`);
