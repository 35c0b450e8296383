import { statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { makeTempDir } from '../../lib/temp-dirs.ts';
import type { MysqlSession } from '../mysql/session.ts';
import { acceptBothStatement, onlyNewStatement } from './dual-password.ts';
import { RotationState } from './rotation-state.ts';

const on = (kind: 'mysql' | 'mariadb') => ({ flavor: { version: { kind } } }) as unknown as MysqlSession;

describe('dual-password statements', () => {
  it('MySQL 8 retains the current password, then discards it: the old one is never needed', () => {
    expect(acceptBothStatement(on('mysql'), 'app', '%', 'new', 'old')).toEqual({
      sql: 'ALTER USER ?@? IDENTIFIED BY ? RETAIN CURRENT PASSWORD',
      values: ['app', '%', 'new'],
    });
    expect(onlyNewStatement(on('mysql'), 'app', '%', 'new')).toEqual({
      sql: 'ALTER USER ?@? DISCARD OLD PASSWORD',
      values: ['app', '%'],
    });
  });

  it('MariaDB names both as alternatives of one plugin, the new one first, then the new one alone', () => {
    expect(acceptBothStatement(on('mariadb'), 'app', '%', 'new', 'old')).toEqual({
      sql:
        'ALTER USER ?@? IDENTIFIED VIA mysql_native_password USING PASSWORD(?) ' +
        'OR mysql_native_password USING PASSWORD(?)',
      values: ['app', '%', 'new', 'old'],
    });
    expect(onlyNewStatement(on('mariadb'), 'app', '%', 'new')).toEqual({
      sql: 'ALTER USER ?@? IDENTIFIED BY ?',
      values: ['app', '%', 'new'],
    });
  });
});

describe('RotationState', () => {
  it('keeps one pending rotation per account in a 0600 file, and forgets it when cleared', () => {
    const state = new RotationState(makeTempDir('rotation-state-'));
    expect(state.get('app')).toBeUndefined();
    state.set('app', { next: 'n1', previous: 'p1', startedAt: 't' });
    state.set('monitor', { next: 'n2', previous: 'p2', startedAt: 't' });
    expect(statSync(state.file).mode & 0o777).toBe(0o600);
    expect(state.get('app')).toEqual({ next: 'n1', previous: 'p1', startedAt: 't' });
    state.clear('app');
    expect(state.get('app')).toBeUndefined();
    expect(state.get('monitor')?.next).toBe('n2');
  });
});
