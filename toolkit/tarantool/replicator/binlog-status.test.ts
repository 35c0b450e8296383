import { describe, expect, it } from 'vitest';
import { flavorFor } from '../../mysql/flavor.ts';
import { binaryLogStatusStatement } from './binlog-status.ts';

describe("the replicator's binary log status statement", () => {
  it.each(['5.7.44-log', '8.0.36', '8.1.0', '8.2.0', '8.4.0', '8.4.8', '9.1.0'])(
    'asks MySQL %s with the statement flavor.ts uses',
    (version) => {
      expect(binaryLogStatusStatement(version)).toBe(flavorFor(version).binaryLogStatus);
    },
  );

  it('asks MySQL 8.4 with SHOW BINARY LOG STATUS, 8.0 with SHOW MASTER STATUS', () => {
    expect(binaryLogStatusStatement('8.4.8')).toBe('SHOW BINARY LOG STATUS');
    expect(binaryLogStatusStatement('8.0.46')).toBe('SHOW MASTER STATUS');
  });

  it('refuses a version it cannot read, rather than guess a statement', () => {
    expect(() => binaryLogStatusStatement('unknown')).toThrow("cannot parse server version 'unknown'");
  });
});
