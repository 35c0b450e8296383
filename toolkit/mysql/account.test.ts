import { describe, expect, it } from 'vitest';
import { grantEntries, normalizeGrant } from './account.ts';

describe('grants as SHOW GRANTS prints them', () => {
  it('reads MariaDB grants in one canonical form', () => {
    expect(
      normalizeGrant(
        'GRANT BINLOG MONITOR, REPLICATION SLAVE ON *.* TO `replicator`@`%` IDENTIFIED BY PASSWORD',
      ),
    ).toBe('REPLICATION SLAVE, REPLICATION CLIENT ON *.*');
  });

  it('splits every line into one entry per privilege and level, without USAGE', () => {
    expect(
      grantEntries([
        "GRANT USAGE ON *.* TO `replicator`@`%` IDENTIFIED BY PASSWORD '*AB12'",
        'GRANT SELECT, INSERT ON `app`.`user` TO `replicator`@`%`',
        'GRANT ALL PRIVILEGES ON `app`.* TO `app`@`%`',
      ]),
    ).toEqual(['SELECT ON `app`.`user`', 'INSERT ON `app`.`user`', 'ALL PRIVILEGES ON `app`.*']);
  });

  it('counts WITH GRANT OPTION as a privilege of its own', () => {
    expect(
      grantEntries([
        "GRANT ALL PRIVILEGES ON *.* TO `toolkit`@`127.0.0.1` IDENTIFIED BY PASSWORD '*AB12' WITH GRANT OPTION",
      ]),
    ).toEqual(['ALL PRIVILEGES ON *.*', 'GRANT OPTION ON *.*']);
  });

  it('keeps column lists whole and skips role grants', () => {
    expect(
      grantEntries(['GRANT SELECT (`id`, `name`) ON `app`.`user` TO `x`@`%`', 'GRANT `r1` TO `x`@`%`']),
    ).toEqual(['SELECT (`id`, `name`) ON `app`.`user`']);
  });
});
