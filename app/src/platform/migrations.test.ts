import { describe, expect, it } from 'vitest';
import { likePrefix } from '../users/repository.ts';
import { loadMigrations, migrationsDir } from './migrations.ts';

describe('migration files', () => {
  it('are numbered without gaps and split into statements', () => {
    for (const set of ['main', 'chat']) {
      const migrations = loadMigrations(`${migrationsDir}/${set}`);
      expect(migrations.map((m) => m.version)).toEqual(migrations.map((_, i) => i + 1));
      for (const m of migrations) expect(m.statements.length).toBeGreaterThan(0);
    }
    const users = loadMigrations(`${migrationsDir}/main`)[0]!;
    expect(users.statements.some((s) => s.includes('user_name_prefix'))).toBe(true);
  });
});

describe('likePrefix', () => {
  it('matches wildcards literally', () => {
    expect(likePrefix('Ал')).toBe('Ал%');
    expect(likePrefix('5%_\\')).toBe('5\\%\\_\\\\%');
  });
});
