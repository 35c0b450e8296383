import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CpuSampler, exitedChildrenCpuSeconds, machineBusySeconds, processCpuSeconds } from './cpu.ts';

describe('CPU counters', () => {
  it('reads busy time from /proc/stat, leaving idle and iowait out', () => {
    // user nice system idle iowait irq softirq steal
    expect(machineBusySeconds('cpu  1000 100 300 5000 200 10 40 50 0 0\ncpu0 1 2 3\n')).toBe(15);
    expect(machineBusySeconds('nonsense')).toBeUndefined();
  });

  it("reads a live process's CPU seconds and nothing for a pid that is gone", () => {
    expect(processCpuSeconds(process.pid)).toBeGreaterThan(0);
    expect(processCpuSeconds(2 ** 22 + 17)).toBeUndefined();
  });

  it('turns the CPU this process burns between start and stop into cores', () => {
    let clock = 0;
    const sampler = new CpuSampler({ mysql: [] }, () => clock);
    // Until 100 ms of CPU are burnt, not of wall time: on a busy machine 200 ms of wall time may get 40 of CPU.
    const start = process.cpuUsage();
    let x = 0;
    while (process.cpuUsage(start).user < 100_000) x += Math.sqrt(x + 1);
    clock = 1000;
    const use = sampler.stop();
    expect(x).toBeGreaterThan(0);
    expect(use.self).toBeGreaterThan(0.05);
    expect(use.app).toBeUndefined();
    expect(use.mysql).toBeUndefined();
  });

  it('counts a child that ran and exited within the point as the client', () => {
    const before = exitedChildrenCpuSeconds()!;
    execFileSync(process.execPath, [
      '-e',
      'const t = Date.now() + 300; let x = 0; while (Date.now() < t) x++;',
    ]);
    expect(exitedChildrenCpuSeconds()!).toBeGreaterThan(before);
  });
});
