import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../inventory/paths.ts';
import type { Inventory, MysqlNode } from '../inventory/schema.ts';
import { resolveSecret } from '../inventory/secrets.ts';
import { clientOptionFile, clientTool } from '../mysql/client-tools.ts';
import { MysqlSession } from '../mysql/session.ts';
import { ToolkitError, UsageError } from '../procedure/errors.ts';
import type { Run } from '../procedure/run.ts';
import { ClickHouseHttp } from './http.ts';
import {
  clickhouseChecksumSql,
  exportLineSql,
  type LoadColumn,
  mysqlRowHashSql,
  userColumns,
} from './user-columns.ts';

export const schemaFile = join(repoRoot, 'compose', 'clickhouse', 'schema.sql');

export interface LoadOptions {
  /** The MySQL node to export from: a slave by default, so the full scan stays off the master. */
  source?: string;
  table?: string;
  database?: string;
  /** Reload even when the live table already holds exactly MySQL's rows. */
  force?: boolean;
}

/** The CREATE TABLE of schema.sql, for another table name (the staging table). */
export function createTableSql(database: string, table: string): string {
  const text = readFileSync(schemaFile, 'utf8')
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('--'))
    .join('\n');
  const statement = text.split(';').find((s) => /CREATE\s+TABLE/i.test(s));
  if (!statement) throw new ToolkitError(`${schemaFile} has no CREATE TABLE`);
  return statement.replace(
    /CREATE\s+TABLE\s+(IF\s+NOT\s+EXISTS\s+)?[`\w.]+/i,
    `CREATE TABLE \`${database}\`.\`${table}\``,
  );
}

export function clickhouseFor(inventory: Inventory): ClickHouseHttp {
  const target = inventory.clickhouse;
  if (!target)
    throw new UsageError(
      `the ${inventory.name} inventory has no clickhouse (npm run up starts one when clickhouse-server is installed)`,
    );
  return new ClickHouseHttp({
    host: target.host,
    port: target.httpPort,
    user: target.credential?.user,
    password: target.credential ? resolveSecret(target.credential.password) : undefined,
  });
}

function sourceNode(inventory: Inventory, name: string | undefined): MysqlNode {
  const nodes = [inventory.mysql.master, ...inventory.mysql.slaves];
  if (name) {
    const node = nodes.find((n) => n.name === name);
    if (!node)
      throw new UsageError(
        `--source ${name} is not a node of ${inventory.name} (${nodes.map((n) => n.name).join(', ')})`,
      );
    return node;
  }
  return inventory.mysql.slaves[0] ?? inventory.mysql.master;
}

/** For the progress bar only: the exact count comes from the export's own snapshot. */
async function approximateCount(
  node: MysqlNode,
  user: string,
  password: string,
  database: string,
): Promise<number> {
  const session = await MysqlSession.login(node, user, password);
  try {
    return Number(await session.value(`SELECT COUNT(*) FROM \`${database}\`.\`user\``));
  } finally {
    await session.close();
  }
}

interface ExportOptions {
  node: MysqlNode;
  user: string;
  password: string;
  database: string;
  columns: LoadColumn[];
  onRows(rows: number): void;
  onClose(cleanup: () => void): void;
}

const snapshotMarker = 'toolkit: snapshot taken';

/**
 * Two sessions read the same snapshot: the command-line client streams every row as a ready
 * TabSeparated line (--raw: printed as MySQL built it) while a second session computes the count and
 * checksum at the same time, on the other core. Both start their snapshot while a third session holds
 * FLUSH TABLES user WITH READ LOCK (a few milliseconds: until the client prints its marker), so no
 * write to the table falls between them. Node only moves bytes from the client's stdout into the
 * INSERT; it never parses a row.
 */
async function exportInto(
  ch: ClickHouseHttp,
  insertSql: string,
  options: ExportOptions,
): Promise<{ rows: number; checksum: string }> {
  const { node, database, columns } = options;
  const table = `\`${database}\`.\`user\``;
  const locker = await MysqlSession.login(node, options.user, options.password);
  const checker = await MysqlSession.login(node, options.user, options.password);
  options.onClose(() => checker.close());
  let locked = true;
  const unlock = async () => {
    if (!locked) return;
    locked = false;
    await locker.exec('UNLOCK TABLES').catch(() => {});
    await locker.close();
  };
  options.onClose(unlock);
  await locker.exec('SET SESSION lock_wait_timeout = 30');
  await locker.exec(`FLUSH TABLES ${table} WITH READ LOCK`);
  await checker.exec('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
  await checker.exec('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
  const checked = checker.one(
    `SELECT COUNT(*) AS n, COALESCE(SUM(${mysqlRowHashSql(columns)}), 0) AS s FROM ${table}`,
  );
  // Not awaited yet: a failure is reported after the export, or with it.
  checked.catch(() => {});

  const optionFile = clientOptionFile(node, options.user, options.password);
  options.onClose(optionFile.remove);
  const script = [
    'SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ;',
    'START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY;',
    `SELECT '${snapshotMarker}';`,
    `SELECT ${exportLineSql(columns)} FROM ${table};`,
    'COMMIT;',
  ].join('\n');
  const child = spawn(
    clientTool(),
    [
      `--defaults-extra-file=${optionFile.path}`,
      '--batch',
      '--raw',
      '--skip-column-names',
      '--quick',
      '--default-character-set=utf8mb4',
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  options.onClose(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number>((resolve) => child.once('close', (code) => resolve(code ?? 1)));
  child.stdin.end(script);
  let rows = 0;
  async function* body(): AsyncGenerator<Buffer> {
    let head: Buffer | undefined = Buffer.alloc(0);
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      let data = chunk;
      if (head !== undefined) {
        // The first line is the marker: both snapshots exist, writes may go on.
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf(10);
        if (end === -1) continue;
        if (head.toString('utf8', 0, end) !== snapshotMarker)
          throw new ToolkitError(`${node.name}: the export did not start with its snapshot marker`);
        await unlock();
        data = head.subarray(end + 1);
        head = undefined;
      }
      let lines = 0;
      for (let i = data.indexOf(10); i !== -1; i = data.indexOf(10, i + 1)) lines++;
      rows += lines;
      options.onRows(lines);
      if (data.length > 0) yield data;
    }
  }
  try {
    await ch.insert(insertSql, body(), {
      input_format_allow_errors_num: '0',
      // Blocks of 100k rows become parts as they arrive: memory stays small, and the staging table fills
      // visibly (a killed run leaves a partial staging table, never a partial live one).
      max_insert_block_size: '100000',
      min_insert_block_size_rows: '100000',
      min_insert_block_size_bytes: '67108864',
    });
  } catch (error) {
    if (child.exitCode === null) child.kill('SIGKILL');
    throw error;
  } finally {
    await unlock();
  }
  const code = await exited;
  if (code !== 0)
    throw new ToolkitError(`${node.name}: export failed: ${stderr.trim().split('\n')[0] ?? `exit ${code}`}`);
  const snapshot = await checked;
  await checker.exec('COMMIT');
  const count = Number(snapshot?.n);
  if (count !== rows)
    throw new ToolkitError(`${node.name}: streamed ${rows} rows but the snapshot has ${count}`);
  return { rows, checksum: String(snapshot?.s) };
}

interface ServerInfo {
  version: string;
  engine: string;
  exchange: boolean;
}

async function serverInfo(ch: ClickHouseHttp, database: string): Promise<ServerInfo> {
  const [version = ''] = await ch.row('SELECT version()');
  const [engine = ''] = await ch.row(`SELECT engine FROM system.databases WHERE name = '${database}'`);
  const [major = 0, minor = 0] = version.split('.').map(Number);
  // EXCHANGE TABLES needs 20.10+ and an Atomic database; older servers swap with one multi-table RENAME.
  return { version, engine, exchange: engine === 'Atomic' && (major > 20 || (major === 20 && minor >= 10)) };
}

async function tableNames(ch: ClickHouseHttp, database: string): Promise<string[]> {
  return (await ch.rows(`SELECT name FROM system.tables WHERE database = '${database}'`)).map((r) => r[0]!);
}

/**
 * The seed's `mysqldump --tab` + `INSERT ... FORMAT CSV`, made safe to re-run: export TabSeparated
 * from one consistent snapshot, load a staging table, check its row count and checksum against the
 * snapshot, then swap it in whole. The live table is never written to: a failed or killed run leaves
 * it as it was, and a second run replaces rows instead of adding them.
 */
export async function clickhouseLoadProcedure(
  run: Run,
  inventory: Inventory,
  options: LoadOptions = {},
): Promise<LoadOutcome> {
  const ch = clickhouseFor(inventory);
  const table = options.table ?? 'user';
  const database = options.database ?? 'default';
  const mysqlDatabase = inventory.mysql.database;
  const node = sourceNode(inventory, options.source);
  const columns: LoadColumn[] = userColumns;
  let info: ServerInfo | undefined;

  await run.check('clickhouse', ch.address, async () => {
    info = await serverInfo(ch, database);
    if (!info.engine) throw new ToolkitError(`database ${database} does not exist`);
    return `ClickHouse ${info.version}, database ${database} (${info.engine}): swap by ${info.exchange ? 'EXCHANGE TABLES' : 'RENAME TABLE'}`;
  });

  if (!options.force) {
    const rows = await alreadyLoaded(run, ch, inventory, node, database, table, columns);
    if (rows !== undefined) return { loaded: false, rows };
  }

  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const staging = `${table}_load_${stamp}`;
  const retired = `${table}_old_${stamp}`;
  await run.action(
    'staging table',
    ch.address,
    `create ${database}.${staging} from compose/clickhouse/schema.sql`,
    async () => {
      // Leftovers of runs that were killed: never the live table, only our own prefixes.
      const stale = (await tableNames(ch, database)).filter(
        (n) => n.startsWith(`${table}_load_`) || n.startsWith(`${table}_old_`),
      );
      for (const name of stale) await ch.query(`DROP TABLE IF EXISTS \`${database}\`.\`${name}\``);
      await ch.query(createTableSql(database, staging));
      const described = await ch.rows(`DESCRIBE TABLE \`${database}\`.\`${staging}\``);
      const have = described.map((r) => `${r[0]} ${r[1]}`).join(', ');
      const want = columns.map((c) => `${c.name} ${c.clickhouseType}`).join(', ');
      if (have !== want)
        throw new ToolkitError(`schema.sql has columns (${have}) but the loader writes (${want})`);
      return `created ${database}.${staging}${stale.length ? `; dropped ${stale.length} left by killed runs` : ''}`;
    },
  );

  let exported = { rows: 0, checksum: '0' };
  await run.action(
    'export and load',
    `${node.name} → ${ch.address}`,
    `stream ${mysqlDatabase}.user as TabSeparated into ${staging}`,
    async () => {
      const password = resolveSecret(inventory.mysql.admin.password);
      const expected = await approximateCount(node, inventory.mysql.admin.user, password, mysqlDatabase);
      const meter = run.meter('loading', expected, 'rows');
      const started = Date.now();
      const result = await exportInto(ch, `INSERT INTO \`${database}\`.\`${staging}\` FORMAT TabSeparated`, {
        node,
        user: inventory.mysql.admin.user,
        password,
        database: mysqlDatabase,
        columns,
        onRows: (n) => meter.advance(n),
        onClose: (cleanup) => run.onClose(cleanup),
      });
      exported = result;
      const seconds = (Date.now() - started) / 1000;
      return `${result.rows.toLocaleString('en-US')} rows in ${seconds.toFixed(1)} s (${Math.round(result.rows / Math.max(seconds, 0.001)).toLocaleString('en-US')} rows/s)`;
    },
  );

  await run.verify('row count and checksum', ch.address, async () => {
    const [count = '0', sum = '0'] = await ch.row(
      `SELECT count(), ${clickhouseChecksumSql(columns)} FROM \`${database}\`.\`${staging}\``,
    );
    if (Number(count) !== exported.rows || sum !== exported.checksum)
      throw new ToolkitError(
        `${staging} has ${count} rows, checksum ${sum}; MySQL's snapshot had ${exported.rows} rows, checksum ${exported.checksum}: the live table is untouched`,
      );
    return `${count} rows, checksum ${sum}, as in MySQL's snapshot`;
  });

  await run.action('swap', ch.address, `swap ${staging} in as ${database}.${table}`, async () => {
    const live = (await tableNames(ch, database)).includes(table);
    const q = (name: string) => `\`${database}\`.\`${name}\``;
    if (!live) {
      await ch.query(`RENAME TABLE ${q(staging)} TO ${q(table)}`);
      return `${staging} renamed to ${table} (there was no ${table} yet)`;
    }
    if (info?.exchange) {
      await ch.query(`EXCHANGE TABLES ${q(staging)} AND ${q(table)}`);
      await ch.query(`DROP TABLE ${q(staging)}`);
      return `EXCHANGE TABLES ${staging} AND ${table}; previous rows dropped`;
    }
    // One RENAME of both tables, done under ClickHouse's global rename lock: readers see the old
    // table or the new one, never neither.
    await ch.query(`RENAME TABLE ${q(table)} TO ${q(retired)}, ${q(staging)} TO ${q(table)}`);
    await ch.query(`DROP TABLE ${q(retired)}`);
    return `RENAME TABLE ${table} TO ${retired}, ${staging} TO ${table}; previous rows dropped`;
  });

  await run.verify('loaded', ch.address, async () => {
    const [count = '0'] = await ch.row(`SELECT count() FROM \`${database}\`.\`${table}\``);
    if (Number(count) !== exported.rows)
      throw new ToolkitError(`${table} has ${count} rows, expected ${exported.rows}`);
    return `${database}.${table}: ${Number(count).toLocaleString('en-US')} rows`;
  });
  return { loaded: true, rows: exported.rows };
}

/** What a run did: loaded the table anew, or found it already equal to MySQL; its rows either way. */
export interface LoadOutcome {
  loaded: boolean;
  rows: number;
}

/**
 * The live table already holds exactly what MySQL has (same count, same order-independent checksum):
 * nothing to load, so a second run changes nothing. MySQL may change between this check and a load;
 * that is what the next run (or --force) is for.
 */
async function alreadyLoaded(
  run: Run,
  ch: ClickHouseHttp,
  inventory: Inventory,
  node: MysqlNode,
  database: string,
  table: string,
  columns: LoadColumn[],
): Promise<number | undefined> {
  let same: number | undefined;
  await run.check('compare with MySQL', `${node.name} → ${ch.address}`, async () => {
    if (!(await tableNames(ch, database)).includes(table)) return `no ${database}.${table} yet: load it`;
    const [count = '0', sum = '0'] = await ch.row(
      `SELECT count(), ${clickhouseChecksumSql(columns)} FROM \`${database}\`.\`${table}\``,
    );
    // An empty table needs loading whatever MySQL holds; no need to checksum a million rows to know.
    if (count === '0') return `${database}.${table} is empty: load it`;
    const session = await MysqlSession.open(node, inventory.mysql.admin);
    try {
      const mysql = await session.one(
        `SELECT COUNT(*) AS n, COALESCE(SUM(${mysqlRowHashSql(columns)}), 0) AS s FROM \`${inventory.mysql.database}\`.\`user\``,
      );
      same = Number(count) === Number(mysql?.n) && sum === String(mysql?.s) ? Number(count) : undefined;
      return same !== undefined
        ? `${database}.${table} already holds MySQL's ${Number(count).toLocaleString('en-US')} rows (checksum ${sum}): nothing to load (--force reloads)`
        : `${database}.${table} has ${count} rows, checksum ${sum}; MySQL ${mysql?.n} rows, checksum ${mysql?.s}: reload`;
    } finally {
      await session.close();
    }
  });
  return same;
}
