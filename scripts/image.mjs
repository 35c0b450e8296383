#!/usr/bin/env zx
// The app image: build (Docker, or buildah without a daemon), run against the local environment, verify.
// The local environment's app settings are handed down from here: the runbook does not import the environment.
import './lib/typescript.mjs';

const { runbookScript } = await import('../toolkit/procedure/main.ts');
const { imageRunbook } = await import('../toolkit/image/runbook.ts');
const { imageAppEnvironment } = await import('../toolkit/local/app-component.ts');

process.exitCode = await runbookScript(imageRunbook(imageAppEnvironment), import.meta.url);
