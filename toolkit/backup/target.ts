import { UsageError } from '../procedure/errors.ts';
import type { RestoreTarget } from './restore-plan.ts';

/**
 * --to in the server's time zone ("2026-12-07 11:46:01", as SELECT NOW() prints it; `offsetSeconds`
 * is the server's NOW() minus UTC) or ISO 8601 with its own offset ("2026-12-07T08:46:01Z").
 */
export function parseTime(text: string, offsetSeconds: number): number {
  const local = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/.exec(text.trim());
  if (local) {
    const [, y, mo, d, h, mi, s] = local.map(Number);
    return Date.UTC(y!, mo! - 1, d!, h!, mi!, s!) / 1000 - offsetSeconds;
  }
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(text.trim())) {
    const ms = Date.parse(text);
    if (!Number.isNaN(ms)) return Math.floor(ms / 1000);
  }
  throw new UsageError(
    `--to '${text}': expected 'YYYY-MM-DD HH:MM:SS' (the server's time zone) or ISO 8601 with an offset (2026-12-07T08:46:01Z)`,
  );
}

/** Exactly one of --to, --to-gtid, --before-statement. */
export function targetFromFlags(
  flags: { to?: string; 'to-gtid'?: string; 'before-statement'?: string },
  offsetSeconds = 0,
): RestoreTarget {
  const given = (['to', 'to-gtid', 'before-statement'] as const).filter((k) => flags[k] !== undefined);
  if (given.length !== 1)
    throw new UsageError('give exactly one of --to <time>, --to-gtid <gtid>, --before-statement <text>');
  if (flags.to !== undefined) return { kind: 'time', at: parseTime(flags.to, offsetSeconds), text: flags.to };
  if (flags['to-gtid'] !== undefined) {
    if (!/^\d+-\d+-\d+(,\d+-\d+-\d+)*$/.test(flags['to-gtid'].trim()))
      throw new UsageError(
        `--to-gtid '${flags['to-gtid']}': expected a MariaDB GTID position such as 0-1-42`,
      );
    return { kind: 'gtid', position: flags['to-gtid'].trim() };
  }
  const text = flags['before-statement']!.trim();
  if (text.length < 4) throw new UsageError('--before-statement: give the statement, e.g. "DROP TABLE post"');
  return { kind: 'statement', text };
}
