#!/usr/bin/env zx
// npm run setup (and npm test's pretest): installs the Debian packages the project needs and the machine lacks.
import './lib/typescript.mjs';

const { scriptArgs } = await import('../toolkit/procedure/args.ts');
const { setupMain } = await import('../toolkit/setup/cli.ts');
process.exitCode = await setupMain(scriptArgs(import.meta.url));
