import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireOperationLock, describeHolder, type LockHolder } from './operation-lock.ts';

const root = mkdtempSync(join(tmpdir(), 'toolkit-lock-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(root, `env-${++n}`);

/** A pid that certainly belonged to a process of this host that has ended. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  return child.pid!;
}

function writeHolder(path: string, holder: Partial<LockHolder>): LockHolder {
  const full: LockHolder = {
    runbook: 'failover',
    env: 'local',
    pid: deadPid(),
    host: hostname(),
    startedAt: '2026-12-07T08:00:00.000Z',
    ...holder,
  };
  writeFileSync(path, `${JSON.stringify(full)}\n`);
  return full;
}

describe('the operation lock', () => {
  it('is taken, refuses a second taker naming the holder, and is free again once released', () => {
    const dir = freshDir();
    const first = acquireOperationLock(dir, 'failover', 'local');
    if (!first.acquired) throw new Error('first attempt refused');
    expect(first.lock.holder).toMatchObject({
      runbook: 'failover',
      env: 'local',
      pid: process.pid,
      host: hostname(),
    });
    expect(readdirSync(dir)).toEqual(['operation.lock']);

    const second = acquireOperationLock(dir, 'replication', 'local');
    expect(second).toMatchObject({ acquired: false, holder: first.lock.holder, why: 'it is still running' });
    expect(describeHolder(first.lock.holder)).toBe(
      `failover (pid ${process.pid} on ${hostname()}, since ${first.lock.holder.startedAt})`,
    );

    first.lock.release();
    expect(existsSync(join(dir, 'operation.lock'))).toBe(false);
    const third = acquireOperationLock(dir, 'replication', 'local');
    expect(third.acquired).toBe(true);
    if (third.acquired) third.lock.release();
  });

  it('takes over a lock whose holder is gone from this host, and says from whom', () => {
    const dir = freshDir();
    acquireOperationLock(dir, 'probe', 'local'); // makes the dir
    const stale = writeHolder(join(dir, 'operation.lock'), {});
    const attempt = acquireOperationLock(dir, 'semisync', 'local');
    expect(attempt).toMatchObject({ acquired: true, tookOverFrom: stale });
    if (attempt.acquired) {
      expect(JSON.parse(readFileSync(join(dir, 'operation.lock'), 'utf8'))).toMatchObject({
        runbook: 'semisync',
      });
      attempt.lock.release();
    }
    expect(readdirSync(dir)).toEqual([]);
  });

  it('never takes over a holder on another host: it cannot tell whether that one is alive', () => {
    const dir = freshDir();
    const first = acquireOperationLock(dir, 'probe', 'local');
    if (first.acquired) first.lock.release();
    const remote = writeHolder(join(dir, 'operation.lock'), { host: 'other-admin-host' });
    const attempt = acquireOperationLock(dir, 'failover', 'local');
    expect(attempt).toMatchObject({ acquired: false, holder: remote });
    if (!attempt.acquired)
      expect(attempt.why).toMatch(/another host.*remove .*operation\.lock only if it is not/);
  });

  it('refuses while a takeover that died half-way left its marker, and names the marker', () => {
    const dir = freshDir();
    const first = acquireOperationLock(dir, 'probe', 'local');
    if (first.acquired) first.lock.release();
    writeHolder(join(dir, 'operation.lock'), {});
    const taker = writeHolder(join(dir, 'operation.lock.takeover'), { runbook: 'reshard' });
    const attempt = acquireOperationLock(dir, 'failover', 'local');
    expect(attempt).toMatchObject({ acquired: false, holder: taker });
    if (!attempt.acquired) expect(attempt.why).toMatch(/interrupted: remove .*operation\.lock\.takeover$/);
  });

  it('does not remove a lock that another run holds by now', () => {
    const dir = freshDir();
    const mine = acquireOperationLock(dir, 'failover', 'local');
    if (!mine.acquired) throw new Error('refused');
    const other = writeHolder(join(dir, 'operation.lock'), { pid: process.pid, runbook: 'replication' });
    mine.lock.release();
    expect(JSON.parse(readFileSync(join(dir, 'operation.lock'), 'utf8'))).toEqual(other);
  });

  it('lets exactly one of several processes in, also when they race to take over a stale lock', async () => {
    for (const stale of [false, true]) {
      const dir = freshDir();
      const probe = acquireOperationLock(dir, 'probe', 'local');
      if (probe.acquired) probe.lock.release();
      if (stale) writeHolder(join(dir, 'operation.lock'), {});
      const racers = Array.from({ length: 4 }, (_, i) => racer(dir, `racer-${i}`));
      await Promise.all(racers.map((r) => r.ready));
      const answers = await Promise.all(racers.map((r) => r.go()));
      const winners = answers.filter((a) => a.acquired);
      expect(winners, JSON.stringify(answers)).toHaveLength(1);
      const winner = winners[0]!;
      expect(Boolean(winner.tookOverFrom)).toBe(stale);
      for (const loser of answers.filter((a) => !a.acquired)) expect(loser.holder?.pid).toBe(winner.pid);
      await Promise.all(racers.map((r) => r.finish()));
      expect(readdirSync(dir)).toEqual([]);
    }
  });
});

interface RacerAnswer {
  acquired: boolean;
  pid: number;
  holder?: LockHolder;
  tookOverFrom?: LockHolder;
}

/**
 * A separate process that tries the lock once when told to go (so that all try at the same moment),
 * says how it went, and holds what it got until its stdin closes.
 */
function racer(dir: string, runbook: string) {
  const module = new URL('./operation-lock.ts', import.meta.url).pathname;
  const code = `
    const { acquireOperationLock } = await import(${JSON.stringify(module)});
    const { createInterface } = await import('node:readline');
    const lines = createInterface({ input: process.stdin });
    let attempt;
    lines.once('line', () => {
      attempt = acquireOperationLock(${JSON.stringify(dir)}, ${JSON.stringify(runbook)}, 'local');
      const { acquired, holder, tookOverFrom } = attempt;
      console.log(JSON.stringify({ acquired, pid: process.pid, holder, tookOverFrom }));
    });
    lines.once('close', () => { if (attempt?.acquired) attempt.lock.release(); });
    console.log('ready');`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const lines = createInterface({ input: child.stdout! });
  const next = () =>
    new Promise<string>((resolve, reject) => {
      lines.once('line', resolve);
      child.once('exit', (code) => reject(new Error(`racer exited ${code} early`)));
    });
  const ready = next();
  return {
    ready,
    go: async (): Promise<RacerAnswer> => {
      const answer = next();
      child.stdin!.write('go\n');
      return JSON.parse(await answer) as RacerAnswer;
    },
    finish: async () => {
      child.stdin!.end();
      await exited;
    },
  };
}
