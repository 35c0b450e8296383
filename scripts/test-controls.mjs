#!/usr/bin/env zx
// Test controls (issue #19): each mutation of toolkit/testing-controls/controls.ts must make its named tests fail.
// usage: npx zx scripts/test-controls.mjs [--only <name>[,<name>]] [--json]   (report in reports/controls/<timestamp>/)
import './lib/typescript.mjs';

const { scriptArgs } = await import('../toolkit/procedure/args.ts');
const { testControlsMain } = await import('../toolkit/testing-controls/run.ts');

process.exitCode = await testControlsMain(scriptArgs(import.meta.url));
