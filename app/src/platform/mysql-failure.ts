/**
 * What a failed MySQL call tells about the server and about the statement: whether the server is
 * unavailable (a 503, not a 500), and whether the statement can have had any effect — the one thing
 * that decides if a write may be sent again.
 */

const unavailableCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_LOCK_WAIT_TIMEOUT',
  // A master demoted to read_only by a failover: the write has to wait for the new one.
  'ER_OPTION_PREVENTS_STATEMENT',
]);

/** The connection is gone: whatever was in flight on it has an unknown outcome. */
const connectionLostCodes = new Set([
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_SERVER_SHUTDOWN',
]);

const codeOf = (error: unknown): string | undefined => (error as { code?: string } | null)?.code;

export function isUnavailable(error: unknown): boolean {
  const code = codeOf(error);
  return (code !== undefined && unavailableCodes.has(code)) || neverWritten(error);
}

/**
 * Errors a slave gives before the replication runbook has seeded it (the app's account or database is
 * not there yet). On a slave that is no answer but an absence: the read goes elsewhere. On the master
 * they stay errors: there they mean the configuration is wrong.
 */
const notSeededCodes = new Set(['ER_ACCESS_DENIED_ERROR', 'ER_DBACCESS_DENIED_ERROR', 'ER_BAD_DB_ERROR']);

export function isNotSeededReplica(error: unknown): boolean {
  const code = codeOf(error);
  return code !== undefined && notSeededCodes.has(code);
}

/** The node refused the statement because it is read-only: nothing was done, and the node is no master. */
export function isReadOnly(error: unknown): boolean {
  return codeOf(error) === 'ER_OPTION_PREVENTS_STATEMENT';
}

/** The connection broke under the statement: the server may or may not have run (and committed) it. */
export function isConnectionLost(error: unknown): boolean {
  const code = codeOf(error);
  return code !== undefined && connectionLostCodes.has(code);
}

/**
 * mysql2 refuses to even write a command on a connection it already knows is closed (the server or a
 * proxy ended it while it sat in the pool): the statement never left this process.
 */
function neverWritten(error: unknown): boolean {
  const e = error as { fatal?: boolean; message?: string } | null;
  return e?.fatal === true && /in closed state/.test(e.message ?? '');
}

/**
 * Where a call failed, and so what it can have done:
 * - `connect`: no connection yet, or a transaction's BEGIN: nothing of the call ran;
 * - `statement`: one autocommit statement: refused (read-only) it did nothing, lost it may have committed;
 * - `transaction`: inside a transaction's work, which may have done things outside this connection
 *   (a counter in Redis, a row through another pool) that running it again would repeat.
 */
export type FailurePhase = 'connect' | 'statement' | 'transaction';

/**
 * True when sending the call again on a fresh connection cannot apply it twice: it never reached a
 * server, or a server refused the single statement (read-only) before any effect. A connection lost
 * under a statement that may have committed is safe only for an idempotent statement; a
 * transaction's work, once started, is never run twice.
 */
export function safeToRetry(error: unknown, phase: FailurePhase, idempotent: boolean): boolean {
  if (!isUnavailable(error)) return false;
  if (phase === 'connect') return true;
  if (phase === 'transaction') return false;
  if (isReadOnly(error) || neverWritten(error)) return true;
  return idempotent && isConnectionLost(error);
}
