#!/usr/bin/env zx
// Rotate a MySQL account's password without an outage (docs/stacks.md "Rotating a password").
import './lib/typescript.mjs';

const { runbookScript } = await import('../toolkit/procedure/main.ts');
const { rotatePasswordRunbook } = await import('../toolkit/secrets/runbook.ts');

process.exitCode = await runbookScript(rotatePasswordRunbook, import.meta.url);
