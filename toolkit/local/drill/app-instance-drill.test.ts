import { appendFileSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { servedBy } from './app-instance-drill.ts';

const dir = mkdtempSync(join(tmpdir(), 'served-by-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const line = (port: number, status: number, path = '/post/feed') =>
  `${JSON.stringify({ path, status, upstream: `127.0.0.1:${port}` })}\n`;

describe('servedBy', () => {
  it('counts the 200s an upstream served after a byte offset, multi-byte text before it included', () => {
    const log = join(dir, 'access.log');
    writeFileSync(log, line(9401, 200, '/user/search?first_name=Дрилл') + line(9401, 200));
    const offset = statSync(log).size;
    appendFileSync(log, line(9401, 200) + line(9401, 502) + line(9400, 200) + line(9401, 200));
    expect(servedBy(log, offset, 9401)).toBe(2);
    expect(servedBy(log, offset, 9400)).toBe(1);
    expect(servedBy(log, 0, 9401)).toBe(4);
  });

  it('is 0 without a log, or with nothing written since the offset', () => {
    expect(servedBy(join(dir, 'absent.log'), 0, 9401)).toBe(0);
    const log = join(dir, 'quiet.log');
    writeFileSync(log, line(9401, 200));
    expect(servedBy(log, statSync(log).size, 9401)).toBe(0);
  });
});
