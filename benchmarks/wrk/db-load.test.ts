import { describe, expect, it } from 'vitest';
import { isTimeout } from './db-load.ts';

describe('isTimeout', () => {
  it("knows MariaDB's max_statement_time error, which mysql2 leaves without a code name", () => {
    // What mysql2 3.x raised here for `SET SESSION max_statement_time = 0.01` and a full scan on MariaDB 10.11.
    expect(isTimeout({ code: undefined, errno: 1969 })).toBe(true);
    expect(isTimeout({ code: 'ER_QUERY_TIMEOUT', errno: 3024 })).toBe(true);
    expect(isTimeout({ code: 'PROTOCOL_SEQUENCE_TIMEOUT' })).toBe(true);
  });

  it('leaves other failures to be counted as errors', () => {
    expect(isTimeout({ code: 'ER_NO_SUCH_TABLE', errno: 1146 })).toBe(false);
    expect(isTimeout(new Error('boom'))).toBe(false);
  });
});
