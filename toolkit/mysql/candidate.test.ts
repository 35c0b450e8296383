import { describe, expect, it } from 'vitest';
import { chooseCandidate, lackedFrom } from './candidate.ts';
import { MariadbGtidPos, MysqlGtidSet } from './gtid.ts';

const slave = (name: string, gtid: string) => ({ name, executed: new MariadbGtidPos(gtid) });
const A = '3e11fa47-71ca-11e1-9e33-c80aa9429562';

describe('chooseCandidate', () => {
  it('promotes the slave holding the most, wherever it stands in the list', () => {
    const behind = slave('db2', '0-1-100');
    const ahead = slave('db3', '0-1-140');
    expect(chooseCandidate([behind, ahead]).name).toBe('db3');
    expect(chooseCandidate([ahead, behind]).name).toBe('db3');
  });

  it('takes the first in inventory order when slaves hold the same', () => {
    expect(chooseCandidate([slave('db2', '0-1-7'), slave('db3', '0-1-7')]).name).toBe('db2');
    expect(chooseCandidate([slave('db3', '0-1-7'), slave('db2', '0-1-7')]).name).toBe('db3');
  });

  it('weighs every other slave: the one lacking the fewest in total wins', () => {
    // db2 lacks 6 of db3 and 5 of db4 (11); db3 lacks 2 of db4 (2); db4 lacks db3's 3 of domain 1 (3).
    const db2 = slave('db2', '0-1-10');
    const db3 = slave('db3', '0-1-13,1-2-3');
    const db4 = slave('db4', '0-1-15');
    expect(chooseCandidate([db2, db3, db4]).name).toBe('db3');
    expect(chooseCandidate([db4, db2, db3]).name).toBe('db3');
    const db5 = slave('db5', '0-1-15,1-2-3');
    expect(chooseCandidate([db2, db3, db4, db5]).name).toBe('db5');
  });

  it('honours --candidate when it lacks nothing the best holds', () => {
    const db2 = slave('db2', '0-1-40');
    const db3 = slave('db3', '0-1-40');
    expect(chooseCandidate([db2, db3], 'db3')).toBe(db3);
  });

  it('refuses a --candidate that lacks transactions, naming how many and who holds them', () => {
    const db2 = slave('db2', '0-1-512');
    const db3 = slave('db3', '0-1-100');
    expect(() => chooseCandidate([db2, db3], 'db3')).toThrow(
      /^--candidate db3 lacks 412 transaction\(s\) that db2 holds: promoting it would lose them; db2 lacks the fewest/,
    );
    try {
      chooseCandidate([db2, db3], 'db3');
    } catch (error) {
      expect((error as { code: string }).code).toBe('CANDIDATE_BEHIND');
    }
  });

  it('names every slave the refused candidate is behind', () => {
    const db2 = slave('db2', '0-1-20');
    const db3 = slave('db3', '0-1-30');
    const db4 = slave('db4', '0-1-10');
    expect(() => chooseCandidate([db2, db3, db4], 'db4')).toThrow(
      '--candidate db4 lacks 10 transaction(s) that db2 holds, 20 transaction(s) that db3 holds: promoting it would lose them; db3 lacks the fewest (run without --candidate to promote it)',
    );
  });

  it('refuses a --candidate that is not among the reachable slaves', () => {
    expect(() => chooseCandidate([slave('db2', '0-1-1')], 'db9')).toThrow('--candidate db9 is not reachable');
  });

  it('refuses an empty list rather than promoting nothing', () => {
    expect(() => chooseCandidate([])).toThrow('no slave to choose from');
  });

  it('works on MySQL GTID sets with gaps', () => {
    const gappy = { name: 'db2', executed: new MysqlGtidSet(`${A}:1-50:60-100`) };
    const whole = { name: 'db3', executed: new MysqlGtidSet(`${A}:1-95`) };
    // db2 lacks 51-59 (9), which db3 holds; db3 lacks 96-100 (5), which db2 holds.
    expect(lackedFrom(gappy, [gappy, whole])).toEqual([{ from: whole, count: 9 }]);
    expect(chooseCandidate([gappy, whole]).name).toBe('db3');
  });
});

describe('lackedFrom', () => {
  it('lists only the other slaves holding something this one lacks, with the count', () => {
    const db2 = slave('db2', '0-1-100');
    const db3 = slave('db3', '0-1-140');
    const db4 = slave('db4', '0-1-90');
    expect(lackedFrom(db2, [db2, db3, db4])).toEqual([{ from: db3, count: 40 }]);
    expect(lackedFrom(db3, [db2, db3, db4])).toEqual([]);
  });
});
