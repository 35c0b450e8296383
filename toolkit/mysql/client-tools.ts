import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findBinary } from '../host/binaries.ts';
import type { MysqlNode } from '../inventory/schema.ts';
import { ToolkitError } from '../procedure/errors.ts';

/**
 * A private [client] option file for the command-line tools, so a password never appears in a
 * process's arguments (where `ps` shows it). Removed by the returned cleanup.
 */
export function clientOptionFile(
  node: MysqlNode,
  user: string,
  password: string,
): { path: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'toolkit-client-'));
  const path = join(dir, 'client.cnf');
  const quote = (v: string) => `"${v.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
  writeFileSync(
    path,
    `[client]\nhost=${node.host}\nport=${node.port}\nuser=${quote(user)}\npassword=${quote(password)}\nprotocol=TCP\n`,
    { mode: 0o600 },
  );
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function dumpTool(): string {
  const path = findBinary(['mariadb-dump', 'mysqldump']);
  if (!path) throw new ToolkitError('mariadb-dump (or mysqldump) not found: apt-get install mariadb-client');
  return path;
}

export function clientTool(): string {
  const path = findBinary(['mariadb', 'mysql']);
  if (!path)
    throw new ToolkitError('the mariadb (or mysql) client not found: apt-get install mariadb-client');
  return path;
}
