import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A small [mysqld] option file that the toolkit owns inside a node's options dir (the local
 * environment includes that dir), so settings made at run time survive a restart.
 */
export function renderOptionFile(owner: string, settings: Record<string, string>): string {
  const lines = Object.entries(settings).map(([k, v]) => `${k} = ${v}`);
  return `# written by the toolkit (${owner}); re-running it rewrites this file\n[mysqld]\n${lines.join('\n')}\n`;
}

export function optionFilePath(dir: string, name: string): string {
  return join(dir, `${name}.cnf`);
}

export function readOptionFile(dir: string, name: string): string | undefined {
  const path = optionFilePath(dir, name);
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

export function writeOptionFile(dir: string, name: string, content: string): void {
  mkdirSync(dir, { recursive: true });
  const path = optionFilePath(dir, name);
  // Write-then-rename: a crash never leaves a half-written file for the server to choke on at start.
  writeFileSync(`${path}.tmp`, content);
  renameSync(`${path}.tmp`, path);
}
