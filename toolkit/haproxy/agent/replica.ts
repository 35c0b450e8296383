// The little of a server's flavor the agent needs: which statement shows the replica status, and the three
// columns it judges by. toolkit/mysql/flavor.ts knows all of it, but the agent ships without the toolkit;
// replica.test.ts holds the two to the same answers on the recorded rows of every server kind.

/** The statement for a VERSION() text: MySQL 8.0.22 renamed it (and 8.4 dropped the old one); MariaDB keeps SLAVE. */
export function replicaStatusStatement(version: string): string {
  const text = version.trim().replace(/^5\.5\.5-/, '');
  if (/mariadb/i.test(text)) return 'SHOW SLAVE STATUS';
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(text);
  if (!m) throw new Error(`cannot parse server version '${version}'`);
  const [major, minor, patch] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const renamed = major > 8 || (major === 8 && (minor > 0 || patch >= 22));
  return renamed ? 'SHOW REPLICA STATUS' : 'SHOW SLAVE STATUS';
}

export interface ReplicaReading {
  ioRunning: boolean;
  sqlRunning: boolean;
  /** Seconds behind its source; null while the server cannot tell. */
  lagSeconds: number | null;
}

/** One row of SHOW SLAVE/REPLICA STATUS, under either generation of column names. */
export function readReplicaRow(row: Record<string, unknown>): ReplicaReading {
  const column = (replicaName: string, slaveName: string) => row[replicaName] ?? row[slaveName];
  const lag = column('Seconds_Behind_Source', 'Seconds_Behind_Master');
  return {
    ioRunning: String(column('Replica_IO_Running', 'Slave_IO_Running')) === 'Yes',
    sqlRunning: String(column('Replica_SQL_Running', 'Slave_SQL_Running')) === 'Yes',
    lagSeconds: lag === null || lag === undefined || lag === '' ? null : Number(lag),
  };
}
