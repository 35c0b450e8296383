#!/usr/bin/env zx
// Generates compose's secrets into compose/secrets/ (git-ignored): each missing password at random, and the
// files made of them; an existing one is kept. docs/stacks.md "Compose".
import './lib/typescript.mjs';

const { scriptArgs } = await import('../toolkit/procedure/args.ts');
const { composeSecretsMain } = await import('../toolkit/secrets/compose-secrets.ts');
process.exitCode = composeSecretsMain(scriptArgs(import.meta.url));
