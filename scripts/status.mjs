#!/usr/bin/env zx
// npm run status -- [--env <name>] [--json] [--watch [seconds]]: the health of any environment, read-only.
// The local environment's extension (its pids, what is not installed here) is handed down from here.
import './lib/typescript.mjs';

const { scriptArgs } = await import('../toolkit/procedure/args.ts');
const { statusMain } = await import('../toolkit/status/cli.ts');
const { localStatusFor } = await import('../toolkit/local/status.ts');
process.exitCode = await statusMain(scriptArgs(import.meta.url), localStatusFor);
