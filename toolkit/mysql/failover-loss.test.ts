import { describe, expect, it } from 'vitest';
import { describeLoss, lossOnPromotion } from './failover-loss.ts';
import { MariadbGtidPos, MysqlGtidSet } from './gtid.ts';

const A = '3e11fa47-71ca-11e1-9e33-c80aa9429562';

describe('lossOnPromotion', () => {
  it('is nothing when the candidate holds what every holder holds', () => {
    const loss = lossOnPromotion(new MariadbGtidPos('0-1-20'), [
      { name: 'db3', executed: new MariadbGtidPos('0-1-18') },
      { name: 'db1', executed: new MariadbGtidPos('0-1-20') },
    ]);
    expect(loss).toEqual({ count: 0, gaps: [] });
    expect(describeLoss(loss)).toBe('');
  });

  it('counts the largest gap and names every holder with what it alone would keep', () => {
    const loss = lossOnPromotion(new MariadbGtidPos('0-1-10,1-3-5'), [
      { name: 'db2', executed: new MariadbGtidPos('0-1-13') },
      { name: 'db4', executed: new MariadbGtidPos('0-1-11') },
    ]);
    expect(loss.count).toBe(3);
    expect(describeLoss(loss)).toBe('0-*-11..0-1-13 (3, held by db2); 0-1-11 (1, held by db4)');
  });

  it('names MySQL transactions by interval', () => {
    const loss = lossOnPromotion(new MysqlGtidSet(`${A}:1-90`), [
      { name: 'db1 (old master)', executed: new MysqlGtidSet(`${A}:1-100`) },
    ]);
    expect(loss.count).toBe(10);
    expect(describeLoss(loss)).toBe(`${A}:91-100 (10, held by db1 (old master))`);
  });
});
