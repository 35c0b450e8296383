#!/usr/bin/env zx
// A physical backup of a slave (mariabackup), its manifest and retention; --verify restores the newest and compares.
import './lib/typescript.mjs';

const { runbookScript } = await import('../toolkit/procedure/main.ts');
const { backupRunbook } = await import('../toolkit/backup/runbooks.ts');

process.exitCode = await runbookScript(backupRunbook, import.meta.url);
