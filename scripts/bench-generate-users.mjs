#!/usr/bin/env zx
// Benchmark: the users generator on a throwaway 3-node cluster; prints rows/s, total seconds and search timings.
// usage: npx zx scripts/bench-generate-users.mjs [count=1000000] [--keep-index]
import './lib/typescript.mjs';

const { scriptArgs } = await import('../toolkit/procedure/args.ts');
const { benchGenerateUsers } = await import('../benchmarks/app/generate-users.ts');

const words = scriptArgs(import.meta.url);
const count = Number((words.find((w) => !w.startsWith('--')) ?? '1000000').replaceAll('_', ''));
await benchGenerateUsers(count, !words.includes('--keep-index'));
