#!/usr/bin/env zx
// Benchmark: rows examined and time per search for each shape of the app's name-prefix search, at
// growing table sizes on a throwaway 3-node cluster (docs/app.md "Search: two query shapes").
// usage: npx zx scripts/bench-search-shapes.mjs [sizes=3000,30000,300000,1000000] [--limit 10]
import './lib/typescript.mjs';

const { scriptArgs } = await import('../toolkit/procedure/args.ts');
const { benchSearchShapes } = await import('../app/benchmarks/search-shapes.ts');

const words = scriptArgs(import.meta.url);
const at = words.indexOf('--limit');
const limit = at >= 0 ? Number(words[at + 1]) : 10;
const sizes = (
  words.find((w, i) => !w.startsWith('--') && words[i - 1] !== '--limit') ?? '3000,30000,300000,1000000'
)
  .split(',')
  .map((s) => Number(s.replaceAll('_', '')));
await benchSearchShapes(sizes, limit);
