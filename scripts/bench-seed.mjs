#!/usr/bin/env zx
// Benchmark: seeding an emptied slave from a logical dump vs from a physical backup, on generated users.
// usage: npx zx scripts/bench-seed.mjs [users=1000000]
import './lib/typescript.mjs';

const { scriptArgs } = await import('../toolkit/procedure/args.ts');
const { benchSeed } = await import('../benchmarks/backup/seed.ts');

const words = scriptArgs(import.meta.url);
const users = Number((words.find((w) => !w.startsWith('--')) ?? '1000000').replaceAll('_', ''));
process.stdout.write(`report: ${await benchSeed(users)}\n`);
