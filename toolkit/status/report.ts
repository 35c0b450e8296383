import { type Static, Type } from '@sinclair/typebox';

/**
 * `up`: as it should be. `degraded`: answers, but something an operator must fix (a replication thread
 * stopped, lag over the limit, semi-sync fallen back to async). `down`: does not answer. `skipped`: not
 * part of this environment (not in its inventory, or not installed on this machine); never a failure.
 */
export const Health = Type.Union([
  Type.Literal('up'),
  Type.Literal('degraded'),
  Type.Literal('down'),
  Type.Literal('skipped'),
]);

export const StatusRow = Type.Object(
  {
    /** What kind of part: `mysql master`, `mysql slave`, `haproxy`, `app`, `nginx`, `redis`, ... */
    component: Type.String(),
    /** Which one: the inventory's name for it (db2, writer, app-2, replicator). */
    name: Type.String(),
    /** host:port it was checked at, or `-` when it has none. */
    address: Type.String(),
    health: Health,
    /** What was seen, or why it is not up / skipped; secrets masked. */
    detail: Type.String(),
  },
  { additionalProperties: false },
);

/** What `status --json` prints: one object per check (one line per refresh with --watch). Fields are only ever added. */
export const StatusReport = Type.Object(
  {
    env: Type.String(),
    /** True when every row is `up` or `skipped`: the exit code is 0 exactly then. */
    healthy: Type.Boolean(),
    /** When the check started (ISO 8601). */
    checkedAt: Type.String({ format: 'date-time' }),
    components: Type.Array(StatusRow),
    /** Set when no check could run (the inventory failed to load, say); components is then empty. */
    error: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export type Health = Static<typeof Health>;
export type StatusRow = Static<typeof StatusRow>;
export type StatusReport = Static<typeof StatusReport>;

export function isHealthy(rows: StatusRow[]): boolean {
  return rows.every((r) => r.health === 'up' || r.health === 'skipped');
}
