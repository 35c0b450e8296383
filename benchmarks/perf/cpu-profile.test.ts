import { describe, expect, it } from 'vitest';
import { areaOf, type CpuProfile, profileMarkdown, summarizeProfile } from './cpu-profile.ts';

const frame = (functionName: string, url = '') => ({ functionName, url, lineNumber: 9 });

/** Three nodes: idle, a mysql2 function and one of ours; samples land 2:1:1 with 1 ms each. */
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)') },
    { id: 2, callFrame: frame('(idle)') },
    { id: 3, callFrame: frame('readField', 'file:///w/node_modules/mysql2/lib/commands/query.js') },
    { id: 4, callFrame: frame('likePrefix', 'file:///w/app/src/users/repository.ts') },
  ],
  startTime: 0,
  endTime: 5000,
  samples: [2, 2, 3, 4, 2],
  timeDeltas: [0, 1000, 1000, 1000, 1000],
};

describe('summarizeProfile', () => {
  it('gives each sample the time until the next one, by function and by area, idle apart', () => {
    const s = summarizeProfile(profile);
    expect(s.totalMs).toBe(4);
    expect(s.idleShare).toBe(0.5);
    expect(s.functions[0]).toMatchObject({ name: '(idle)', selfMs: 2 });
    expect(s.functions.find((f) => f.area === 'mysql2')?.name).toBe(
      'readField (mysql2/lib/commands/query.js:10)',
    );
    expect(s.areas.map((a) => a.area).sort()).toEqual(['app/src/users', 'idle', 'mysql2']);
    expect(profileMarkdown(s)).toContain('| app/src/users | 1 | 25.0% |');
  });

  it('names areas: packages, node internals, our folders, V8 specials', () => {
    expect(areaOf('x', 'file:///a/node_modules/@fastify/error/index.js')).toBe('@fastify/error');
    expect(areaOf('x', 'node:internal/streams/writable')).toBe('node internals');
    expect(areaOf('x', 'file:///w/lib/mysql.ts')).toBe('lib');
    expect(areaOf('(garbage collector)', '')).toBe('GC');
    expect(areaOf('writev', '')).toBe('native');
  });
});
