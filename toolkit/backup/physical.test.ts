import { describe, expect, it } from 'vitest';
import { flavorFor } from '../mysql/flavor.ts';
import { backupTool, positionGtid } from './physical.ts';

describe('physical backup tools by flavor', () => {
  it('MariaDB uses mariabackup, mbstream and mariadb-binlog, all installed here', () => {
    const tools = flavorFor('10.11.19-MariaDB-0+deb12u1').physicalBackup;
    expect(backupTool(tools, 'backup')).toMatch(/maria(db-)?backup$/);
    expect(backupTool(tools, 'extract')).toMatch(/mbstream$/);
    expect(backupTool(tools, 'binlog')).toMatch(/mariadb-binlog$/);
  });

  it('MySQL names XtraBackup and says it cannot run here', () => {
    const tools = flavorFor('8.0.36').physicalBackup;
    expect(tools.backup).toEqual(['xtrabackup']);
    expect(() => backupTool(tools, 'backup')).toThrow(/Percona XtraBackup, which this machine cannot run/);
  });

  it('reads the GTID a copy is consistent with', () => {
    expect(positionGtid('mysql-bin.000001\t868\t0-7-3\n')).toBe('0-7-3');
    // MySQL's GTID set may span lines.
    expect(
      positionGtid(
        'binlog.000003\t157\t3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5,\n4E11FA47-71CA-11E1-9E33-C80AA9429562:1-2\n',
      ),
    ).toBe('3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5,4E11FA47-71CA-11E1-9E33-C80AA9429562:1-2');
  });
});
