import { spawn } from 'node:child_process';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { collectText, exitOf } from '../host/child-output.ts';
import type { Credential } from '../inventory/schema.ts';
import { resolveSecret } from '../inventory/secrets.ts';
import { clientOptionFile, clientTool, dumpTool } from './client-tools.ts';
import type { MysqlSession } from './session.ts';

export const systemDatabases = ['mysql', 'information_schema', 'performance_schema', 'sys'];

/** Databases a slave holds that are not the server's own. */
export async function userDatabases(session: MysqlSession): Promise<string[]> {
  const rows = await session.query(
    'SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME NOT IN (?) ORDER BY 1',
    [systemDatabases],
  );
  return rows.map((r) => String(r.name));
}

export interface SeedResult {
  databases: string[];
  bytes: number;
  /** MariaDB: the gtid_slave_pos the dump was taken at. */
  gtidPosition?: string;
}

/**
 * Copies the master's user databases onto a slave from one consistent snapshot (a single
 * transaction dump that records its GTID position), without writing the load to the slave's own
 * binlog. The slave's user databases are dropped first: a half-finished earlier seed or a
 * diverged copy must not survive underneath.
 */
export async function seedFromSnapshot(
  master: MysqlSession,
  slave: MysqlSession,
  admin: Credential,
  onProgress: (bytes: number) => void,
): Promise<SeedResult> {
  await master.exec('CREATE DATABASE IF NOT EXISTS toolkit');
  const databases = await userDatabases(master);
  for (const statement of slave.flavor.seedPrepare) await slave.exec(statement);
  await slave.exec('SET SESSION sql_log_bin = 0');
  try {
    for (const db of await userDatabases(slave)) await slave.exec('DROP DATABASE ??', [db]);
  } finally {
    await slave.exec('SET SESSION sql_log_bin = 1');
  }

  const password = resolveSecret(admin.password);
  const source = clientOptionFile(master.node, admin.user, password);
  const target = clientOptionFile(slave.node, admin.user, password);
  let bytes = 0;
  let head = '';
  let tail = '';
  try {
    const dump = spawn(
      dumpTool(),
      [
        `--defaults-extra-file=${source.path}`,
        '--single-transaction',
        '--quick',
        '--routines',
        '--events',
        '--triggers',
        '--hex-blob',
        ...master.flavor.dumpGtidArgs,
        '--databases',
        ...databases,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const load = spawn(
      clientTool(),
      [`--defaults-extra-file=${target.path}`, '--init-command=SET SESSION sql_log_bin=0', '--binary-mode'],
      {
        stdio: ['pipe', 'ignore', 'pipe'],
      },
    );
    const dumpErr = collectText(dump.stderr, { limit: 4096, keep: 'head' });
    const loadErr = collectText(load.stderr, { limit: 4096, keep: 'head' });
    const meter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        bytes += chunk.length;
        if (head.length < 64 * 1024) head += chunk.toString('utf8');
        tail = (tail + chunk.toString('utf8')).slice(-64 * 1024);
        onProgress(bytes);
        done(null, chunk);
      },
    });
    const dumpExit = exitOf(dump);
    const loadExit = exitOf(load);
    const held = slave.flavor.heldBackStatement ? new HoldBack(slave.flavor.heldBackStatement) : undefined;
    const piped = held
      ? pipeline(dump.stdout, meter, held, load.stdin)
      : pipeline(dump.stdout, meter, load.stdin);
    await piped.catch(() => {
      // An early exit of either side breaks the pipe; the exit codes below say which and why.
    });
    const [dumpCode, loadCode] = await Promise.all([dumpExit, loadExit]);
    if (dumpCode !== 0)
      throw new Error(`snapshot of ${master.node.name} failed: ${firstLine(await dumpErr)}`);
    if (loadCode !== 0)
      throw new Error(`loading the snapshot into ${slave.node.name} failed: ${firstLine(await loadErr)}`);
  } finally {
    source.remove();
    target.remove();
  }
  const gtidPosition = slave.flavor.seedPosition(`${head}\n${tail}`);
  if (gtidPosition === undefined) {
    throw new Error(
      `the snapshot of ${master.node.name} did not record its GTID position; not starting replication from a guess`,
    );
  }
  // Set last: until the whole snapshot is in, the slave shows no position and counts as unseeded.
  await slave.exec(slave.flavor.seedPositionSql, [gtidPosition]);
  return { databases, bytes, gtidPosition };
}

function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .find((l) => l.trim() && !/^Warning|Using a password/i.test(l))
      ?.trim() ?? 'no message'
  );
}

/**
 * Passes a dump through line by line, holding back the statements that match (MySQL's
 * SET @@GLOBAL.GTID_PURGED, which may span lines up to its closing semicolon).
 */
export class HoldBack extends Transform {
  readonly held: string[] = [];
  private partial = '';
  private holding: string | undefined;

  constructor(private readonly pattern: RegExp) {
    super();
  }

  override _transform(
    chunk: Buffer,
    _enc: BufferEncoding,
    done: (error?: Error | null, data?: string) => void,
  ): void {
    const lines = (this.partial + chunk.toString('utf8')).split('\n');
    this.partial = lines.pop() ?? '';
    done(null, this.pass(lines));
  }

  override _flush(done: (error?: Error | null, data?: string) => void): void {
    const rest = this.partial;
    this.partial = '';
    const out = this.pass([rest]);
    done(null, out.endsWith('\n') ? out.slice(0, -1) : out);
  }

  private pass(lines: string[]): string {
    let out = '';
    for (const line of lines) {
      if (this.holding === undefined && this.pattern.test(line)) this.holding = '';
      if (this.holding !== undefined) {
        this.holding += `${line}\n`;
        if (line.trimEnd().endsWith(';')) {
          this.held.push(this.holding);
          this.holding = undefined;
        }
        continue;
      }
      out += `${line}\n`;
    }
    return out;
  }
}
