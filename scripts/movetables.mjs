#!/usr/bin/env zx
// chat_message: app keyspace → its own keyspace with vtctldclient MoveTables, as a resumable state machine.
import './lib/typescript.mjs';

const { runbookScript } = await import('../toolkit/procedure/main.ts');
const { moveTablesRunbook } = await import('../toolkit/vitess/runbooks.ts');

process.exitCode = await runbookScript(moveTablesRunbook, import.meta.url);
