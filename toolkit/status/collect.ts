import type { Inventory } from '../inventory/schema.ts';
import { alertmanagerRows } from './alertmanager.ts';
import { binlogArchiveRows } from './binlog-archive.ts';
import { StatusContext } from './context.ts';
import { haproxyRows } from './haproxy.ts';
import { mysqlRows } from './mysql.ts';
import { prometheusRows } from './prometheus.ts';
import type { StatusRow } from './report.ts';
import { appRows, clickhouseRows, rabbitmqRows, redisRows } from './services.ts';
import { tarantoolRows } from './tarantool.ts';

const checks = {
  mysql: mysqlRows,
  haproxy: haproxyRows,
  redis: redisRows,
  rabbitmq: rabbitmqRows,
  app: appRows,
  tarantool: tarantoolRows,
  clickhouse: clickhouseRows,
  prometheus: prometheusRows,
  alertmanager: alertmanagerRows,
  binlogArchive: binlogArchiveRows,
} as const;

export type StatusPart = keyof typeof checks;
export const statusParts = Object.keys(checks) as StatusPart[];

/**
 * The health of every part an inventory names, read-only, from its endpoints alone: the one status
 * of every environment (the local one adds what only it knows, toolkit/local/status.ts). The MySQL
 * nodes go first (the endpoints are traced to them by server_id), the rest at once; every
 * connection is closed before it returns.
 */
export async function collectStatus(
  inventory: Inventory,
  parts: readonly StatusPart[] = statusParts,
): Promise<StatusRow[]> {
  const context = new StatusContext(inventory);
  try {
    const mysql = await mysqlRows(context);
    const rest = await Promise.all(parts.filter((p) => p !== 'mysql').map((p) => checks[p](context)));
    return [...(parts.includes('mysql') ? mysql : []), ...rest.flat()];
  } finally {
    await context.close();
  }
}
