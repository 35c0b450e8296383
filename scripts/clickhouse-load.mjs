#!/usr/bin/env zx
// The seed's mysqldump --tab + INSERT FORMAT CSV, safe to re-run: TabSeparated export, staging table, checks, atomic swap.
import './lib/typescript.mjs';

const { scriptArgs } = await import('../toolkit/procedure/args.ts');
const { runbookMain } = await import('../toolkit/procedure/main.ts');
const { clickhouseLoadProcedure } = await import('../toolkit/clickhouse/user-load.ts');

process.exitCode = await runbookMain(
  {
    name: 'clickhouse-load',
    summary:
      'Loads the user table into ClickHouse: exports it TabSeparated from one consistent snapshot (a slave unless\n' +
      '--source says otherwise), loads a staging table, checks its row count and checksum against the snapshot, then\n' +
      'swaps it in whole (EXCHANGE TABLES, or one RENAME on servers before 20.10). A table that already holds exactly\n' +
      "MySQL's rows is left alone (--force reloads); a failed or killed run leaves the previous table as it was.",
    flags: {
      source: { type: 'string', description: 'the MySQL node to export from (default: the first slave)' },
      force: {
        type: 'boolean',
        description: "reload even when ClickHouse already holds exactly MySQL's rows",
        default: false,
      },
    },
    procedure: (run, { inventory, flags }) =>
      clickhouseLoadProcedure(run, inventory, { source: flags.source, force: flags.force }),
  },
  scriptArgs(import.meta.url),
);
