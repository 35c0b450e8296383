import { describe, expect, it } from 'vitest';
import { isNotSeededReplica, isUnavailable, safeToRetry } from './mysql-failure.ts';

const err = (code: string) => Object.assign(new Error(code), { code });
const closed = Object.assign(new Error("Can't add new command when connection is in closed state"), {
  fatal: true,
});

describe('safeToRetry', () => {
  it('retries whatever failed before a connection was had', () => {
    for (const code of ['ECONNREFUSED', 'PROTOCOL_CONNECTION_LOST', 'ER_CON_COUNT_ERROR', 'ETIMEDOUT'])
      expect(safeToRetry(err(code), 'connect', false)).toBe(true);
  });

  it('retries a statement a read-only node refused, or one never written to a closed connection', () => {
    expect(safeToRetry(err('ER_OPTION_PREVENTS_STATEMENT'), 'statement', false)).toBe(true);
    expect(safeToRetry(closed, 'statement', false)).toBe(true);
    expect(isUnavailable(closed)).toBe(true);
  });

  it('never resends a write whose connection broke where it may have committed, unless idempotent', () => {
    for (const code of ['PROTOCOL_CONNECTION_LOST', 'ECONNRESET', 'EPIPE', 'ER_SERVER_SHUTDOWN']) {
      expect(safeToRetry(err(code), 'statement', false)).toBe(false);
      expect(safeToRetry(err(code), 'statement', true)).toBe(true);
    }
  });

  it('never runs a started transaction twice, whatever the error', () => {
    expect(safeToRetry(err('ER_OPTION_PREVENTS_STATEMENT'), 'transaction', true)).toBe(false);
    expect(safeToRetry(err('PROTOCOL_CONNECTION_LOST'), 'transaction', true)).toBe(false);
  });

  it('never retries an error that is not an outage', () => {
    expect(safeToRetry(err('ER_DUP_ENTRY'), 'connect', true)).toBe(false);
    expect(safeToRetry(err('ER_LOCK_WAIT_TIMEOUT'), 'statement', true)).toBe(false);
    expect(safeToRetry(new Error('boom'), 'statement', true)).toBe(false);
  });
});

describe('isNotSeededReplica', () => {
  it('takes a missing account or database for a slave not seeded yet, nothing else', () => {
    for (const code of ['ER_ACCESS_DENIED_ERROR', 'ER_DBACCESS_DENIED_ERROR', 'ER_BAD_DB_ERROR'])
      expect(isNotSeededReplica(err(code))).toBe(true);
    for (const code of ['ER_DUP_ENTRY', 'ER_NO_SUCH_TABLE', 'ECONNREFUSED'])
      expect(isNotSeededReplica(err(code))).toBe(false);
    // Not an outage of the master: there a missing account is a configuration error, answered as such.
    expect(isUnavailable(err('ER_ACCESS_DENIED_ERROR'))).toBe(false);
  });
});
