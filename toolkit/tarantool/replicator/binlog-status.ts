// The replicator ships without the toolkit (app/Dockerfile), so it keeps the one statement it needs from
// toolkit/mysql/flavor.ts here; binlog-status.test.ts holds the two to the same answers.

/**
 * The statement that shows where a MySQL source's binary log ends: SHOW MASTER STATUS, which MySQL 8.2
 * renamed SHOW BINARY LOG STATUS and 8.4 removed. (MariaDB's snapshot reads its own status variables.)
 */
export function binaryLogStatusStatement(version: string): string {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(version.trim().replace(/^5\.5\.5-/, ''));
  if (!m) throw new Error(`cannot parse server version '${version}'`);
  const [major, minor] = [Number(m[1]), Number(m[2])];
  return major > 8 || (major === 8 && minor >= 2) ? 'SHOW BINARY LOG STATUS' : 'SHOW MASTER STATUS';
}
