#!/usr/bin/env zx
// A local Vitess cluster (etcd, vtctld, tablets, VTOrc, vtgate) for the chat_message runbooks: up | add-shards | retire-shards | down | status.
import './lib/typescript.mjs';

const { runbookScript } = await import('../toolkit/procedure/main.ts');
const { vitessLocalRunbook } = await import('../toolkit/vitess/local-runbook.ts');

process.exitCode = await runbookScript(vitessLocalRunbook, import.meta.url);
