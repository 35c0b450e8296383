import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTempDir } from '../../lib/temp-dirs.ts';
import { abandonedAfterMs, incompleteBackups, manifestFile } from './manifest.ts';

function folder(root: string, name: string, files: Record<string, number>): string {
  const dir = join(root, name);
  mkdirSync(join(dir, 'work'), { recursive: true });
  for (const [file, ageMs] of Object.entries(files)) {
    const path = join(dir, file);
    writeFileSync(path, 'x');
    const at = new Date(Date.now() - ageMs);
    utimesSync(path, at, at);
  }
  const old = new Date(Date.now() - 2 * abandonedAfterMs);
  utimesSync(join(dir, 'work'), old, old);
  utimesSync(dir, old, old);
  return dir;
}

describe('incompleteBackups', () => {
  it('takes a folder without a manifest only once nothing in it changed for an hour', () => {
    const root = makeTempDir('toolkit-backups-');
    const hour = abandonedAfterMs;
    const dead = folder(root, 'dead', { 'backup.xbstream.gz': 2 * hour, 'work/ibdata1': 2 * hour });
    folder(root, 'copying', { 'backup.xbstream.gz': 2 * hour, 'work/ibdata1': 1000 });
    folder(root, 'complete', { 'backup.xbstream.gz': 2 * hour, [manifestFile]: 2 * hour });
    expect(incompleteBackups(root)).toEqual([dead]);
    // An hour later the copy that went quiet is dead too.
    expect(incompleteBackups(root, new Date(Date.now() + hour)).sort()).toEqual(
      [join(root, 'copying'), dead].sort(),
    );
  });
});
