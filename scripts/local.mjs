#!/usr/bin/env zx
// npm run up | down | status: the local environment as processes on this machine.
import './lib/typescript.mjs';

const { scriptArgs } = await import('../toolkit/procedure/args.ts');
const { localMain } = await import('../toolkit/local/cli.ts');
process.exitCode = await localMain(scriptArgs(import.meta.url));
