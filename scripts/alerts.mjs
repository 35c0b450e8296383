#!/usr/bin/env zx
// npx zx scripts/alerts.mjs [--env <name>] [--url http://host:9093] [--json]: what Alertmanager holds now, read-only.
import './lib/typescript.mjs';

const { scriptArgs } = await import('../toolkit/procedure/args.ts');
const { alertsMain } = await import('../toolkit/alerts/cli.ts');
process.exitCode = await alertsMain(scriptArgs(import.meta.url));
