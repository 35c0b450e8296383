import type { Connection, RowDataPacket } from 'mysql2/promise';
import { type MysqlEndpoint, openConnection } from '../../../lib/mysql.ts';

/** The server behind the replicator's MySQL address at one moment (through HAProxy it can change). */
export interface SourceIdentity {
  serverId: number;
  /** MySQL's server_uuid; MariaDB has none (its server_id is what its GTIDs carry). */
  uuid?: string;
  readOnly: boolean;
}

export function describeSource(s: SourceIdentity): string {
  return `server_id ${s.serverId}${s.uuid ? ` (${s.uuid})` : ''}`;
}

export function sameServer(a: SourceIdentity, b: SourceIdentity): boolean {
  return a.serverId === b.serverId && a.uuid === b.uuid;
}

/**
 * A connection of its own that asks the source who it is and whether it is writable. A replicator
 * must stream from the writer only: a slave or a fenced former master gets no new writes, so
 * streaming from it would silently stop the replica while looking healthy.
 */
export class SourceWatch {
  private constructor(
    private readonly conn: Connection,
    readonly address: string,
  ) {}

  static async open(endpoint: MysqlEndpoint): Promise<SourceWatch> {
    const conn = await openConnection(endpoint, 10_000);
    conn.on('error', () => {});
    return new SourceWatch(conn, `${endpoint.host}:${endpoint.port}`);
  }

  async identify(): Promise<SourceIdentity> {
    const [rows] = await this.conn.query<RowDataPacket[]>(
      'SELECT @@GLOBAL.server_id AS id, @@GLOBAL.read_only AS ro, VERSION() AS v',
    );
    const row = rows[0]!;
    const uuid = /mariadb/i.test(String(row.v))
      ? undefined
      : String((await this.conn.query<RowDataPacket[]>('SELECT @@GLOBAL.server_uuid AS u'))[0][0]!.u);
    return { serverId: Number(row.id), uuid, readOnly: Number(row.ro) === 1 };
  }

  /** Why streaming from this source must stop, or undefined while it is still the writer it was. */
  async changedFrom(streaming: SourceIdentity): Promise<string | undefined> {
    const now = await this.identify();
    if (!sameServer(now, streaming))
      return `${this.address} is now ${describeSource(now)}, not ${describeSource(streaming)}`;
    if (now.readOnly)
      return `${this.address} (${describeSource(now)}) turned read-only: it is no longer the master`;
    return undefined;
  }

  close(): void {
    this.conn.destroy();
  }
}
