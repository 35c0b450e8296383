import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePorts, portSlots, reserveSlots } from './net.ts';
import { makeTempDir, removeTempDir } from './temp-dirs.ts';

let dir: string;
const sharedDir = portSlots.dir;
const dirs: string[] = [];
beforeAll(() => {
  dir = makeTempDir('port-slots-');
  portSlots.dir = dir;
});
afterAll(() => {
  portSlots.dir = sharedDir;
  for (const d of [dir, ...dirs]) removeTempDir(d);
});

const hold = (slot: number, pid: number, at = Date.now()) =>
  writeFileSync(join(dir, String(slot)), `${pid} ${at}\n`);

describe('freePorts', () => {
  it('never hands this process two overlapping blocks, though none of them is bound yet', async () => {
    const blocks: number[] = [];
    for (let i = 0; i < 25; i++) blocks.push(await freePorts(15));
    const sorted = [...blocks].sort((a, b) => a - b);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i]! - sorted[i - 1]!).toBeGreaterThanOrEqual(20);
  });

  it('leaves a slot to the live process that holds it, and takes one from a dead or expired owner', () => {
    // Slots of its own: the blocks of the test above may hold any of them.
    dirs.push(dir);
    dir = makeTempDir('port-slots-');
    portSlots.dir = dir;
    const exited = spawnSync(process.execPath, ['-e', '0']).pid!;
    hold(2500, process.ppid);
    expect(reserveSlots(25_000, 10)).toBe(false);
    hold(2501, exited);
    expect(reserveSlots(25_010, 10)).toBe(true);
    hold(2502, process.ppid, Date.now() - 11 * 60_000);
    expect(reserveSlots(25_020, 10)).toBe(true);
    expect(readFileSync(join(dir, '2502'), 'utf8')).toMatch(new RegExp(`^${process.pid} `));
    // A block touching a held slot is refused, this process's own earlier blocks included.
    expect(reserveSlots(25_005, 10)).toBe(false);
    expect(reserveSlots(25_015, 10)).toBe(false);
    expect(reserveSlots(25_030, 10)).toBe(true);
  });
});
