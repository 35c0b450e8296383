import type { Credential, Inventory, MysqlNode } from '../inventory/schema.ts';
import { MysqlSession } from '../mysql/session.ts';
import { oneLine } from '../procedure/errors.ts';
import { redact } from '../procedure/redact.ts';
import type { StatusRow } from './report.ts';

/** How long one check may wait for a server to answer: a status must come back even when hosts are gone. */
export const checkTimeoutMs = 3000;

/**
 * One round of checks on one inventory. Every MySQL session it opens is kept here and closed by
 * close(), whatever a check threw, so that `--watch` does not leave a connection behind per round.
 */
export class StatusContext {
  private readonly sessions = new Map<string, Promise<MysqlSession>>();
  /** server_id → node name, filled by the MySQL checks: how an endpoint's answer is traced to a node. */
  readonly serverIds = new Map<number, string>();

  constructor(readonly inventory: Inventory) {}

  /** A read-only admin session to a node (or an endpoint that leads to one), opened once per round. */
  session(node: MysqlNode, credential: Credential = this.inventory.mysql.admin): Promise<MysqlSession> {
    const key = `${credential.user}@${node.host}:${node.port}`;
    let session = this.sessions.get(key);
    if (!session) {
      session = MysqlSession.open(node, credential, { timeoutMs: checkTimeoutMs });
      this.sessions.set(key, session);
    }
    return session;
  }

  async close(): Promise<void> {
    const opened = await Promise.allSettled(this.sessions.values());
    this.sessions.clear();
    await Promise.all(
      opened.map((s) => (s.status === 'fulfilled' ? s.value.close().catch(() => {}) : undefined)),
    );
  }
}

/** A row for a check that threw: down, with the reason on one line and no secret in it. */
export function failedRow(row: Omit<StatusRow, 'health' | 'detail'>, error: unknown): StatusRow {
  return { ...row, health: 'down', detail: redact(oneLine(error)) };
}

export function skippedRow(component: string, name: string, why: string): StatusRow {
  return { component, name, address: '-', health: 'skipped', detail: why };
}
