#!/usr/bin/env zx
// Benchmark: `npm run up` twice on an environment of its own (TOOLKIT_STATE_DIR, LOCAL_* ports); the
// second must change nothing. Writes reports/local/<time>-up-twice/. usage: npx zx scripts/bench-up-twice.mjs [--down]
import './lib/typescript.mjs';

const { scriptArgs } = await import('../toolkit/procedure/args.ts');
const { benchUpTwice } = await import('../benchmarks/local/up-twice.ts');

const words = scriptArgs(import.meta.url);
process.stdout.write(`report: ${await benchUpTwice({ down: words.includes('--down') })}\n`);
