import { describe, expect, it, vi } from 'vitest';
import { StepFailure } from './errors.ts';
import { registerSecret } from './redact.ts';
import type { Reporter } from './reporter.ts';
import { type ConvergeStep, Run } from './run.ts';
import { recordStatement } from './statements.ts';
import type { RunbookReport, StepRecord } from './types.ts';

type Event =
  | { kind: 'started'; name: string; host: string }
  | { kind: 'progress'; text: string }
  | { kind: 'ended'; record: StepRecord }
  | { kind: 'note'; text: string }
  | { kind: 'finished'; report: RunbookReport; failure?: string };

class RecordingReporter implements Reporter {
  readonly events: Event[] = [];
  stepStarted(name: string, host: string): void {
    this.events.push({ kind: 'started', name, host });
  }
  progress(text: string): void {
    this.events.push({ kind: 'progress', text });
  }
  stepEnded(record: StepRecord): void {
    this.events.push({ kind: 'ended', record: { ...record } });
  }
  note(text: string): void {
    this.events.push({ kind: 'note', text });
  }
  finished(report: RunbookReport, failure?: string): void {
    this.events.push({ kind: 'finished', report, failure });
  }
  ended(): StepRecord[] {
    return this.events.flatMap((e) => (e.kind === 'ended' ? [e.record] : []));
  }
}

function newRun(dryRun = false) {
  const reporter = new RecordingReporter();
  const run = new Run({ runbook: 'replication', env: 'test', dryRun, reporter });
  return { run, reporter };
}

/** A setting that converges: read() returns the current value, apply() sets it. */
function setting(options: { current: string; wanted: string; stuck?: boolean; describe?: boolean }) {
  let value = options.current;
  const calls = { read: 0, apply: [] as Array<[string, string]> };
  const step: ConvergeStep<string> = {
    name: 'read_only',
    host: 'db2',
    read: async () => {
      calls.read++;
      return value;
    },
    diff: (v) => (v === options.wanted ? null : `read_only ${v} -> ${options.wanted}`),
    apply: async (state, change) => {
      calls.apply.push([state, change]);
      if (!options.stuck) value = options.wanted;
    },
  };
  if (options.describe !== false) step.describe = (v) => `read_only is ${v}`;
  return { step, calls };
}

async function failure(promise: Promise<unknown>): Promise<StepFailure> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(StepFailure);
    return error as StepFailure;
  }
  throw new Error('expected a StepFailure, the step passed');
}

describe('Run.converge', () => {
  it('is ok and changes nothing when diff() is null', async () => {
    const { run, reporter } = newRun();
    const { step, calls } = setting({ current: 'ON', wanted: 'ON' });
    expect(await run.converge(step)).toBe('ok');
    expect(calls.apply).toEqual([]);
    expect(calls.read).toBe(1);
    expect(reporter.events).toEqual([
      { kind: 'started', name: 'read_only', host: 'db2' },
      { kind: 'ended', record: { name: 'read_only', host: 'db2', status: 'ok', detail: 'read_only is ON' } },
    ]);
  });

  it("says 'in place' when the step has no describe()", async () => {
    const { run, reporter } = newRun();
    const { step } = setting({ current: 'ON', wanted: 'ON', describe: false });
    await run.converge(step);
    expect(reporter.ended()[0]?.detail).toBe('in place');
  });

  it('applies the change, re-reads to verify, and reports changed', async () => {
    const { run, reporter } = newRun();
    const { step, calls } = setting({ current: 'OFF', wanted: 'ON' });
    expect(await run.converge(step)).toBe('changed');
    expect(calls.apply).toEqual([['OFF', 'read_only OFF -> ON']]);
    expect(calls.read).toBe(2);
    expect(reporter.ended()).toEqual([
      { name: 'read_only', host: 'db2', status: 'changed', detail: 'read_only OFF -> ON; read_only is ON' },
    ]);
  });

  it('reports only the change when the re-read has nothing to describe', async () => {
    const { run, reporter } = newRun();
    const { step } = setting({ current: 'OFF', wanted: 'ON', describe: false });
    await run.converge(step);
    expect(reporter.ended()[0]?.detail).toBe('read_only OFF -> ON');
  });

  it('uses a custom verify() with the state read before the change', async () => {
    const { run, reporter } = newRun();
    const { step, calls } = setting({ current: 'OFF', wanted: 'ON' });
    const verify = vi.fn(async (before: string) => `was ${before}, marker read back`);
    await run.converge({ ...step, verify });
    expect(verify).toHaveBeenCalledWith('OFF');
    expect(calls.read).toBe(1);
    expect(reporter.ended()[0]?.detail).toBe('read_only OFF -> ON; was OFF, marker read back');
  });

  it('plans the change in a dry run and never applies it', async () => {
    const { run, reporter } = newRun(true);
    const { step, calls } = setting({ current: 'OFF', wanted: 'ON' });
    const verify = vi.fn(async () => 'verified');
    expect(await run.converge({ ...step, verify })).toBe('planned');
    expect(calls.apply).toEqual([]);
    expect(verify).not.toHaveBeenCalled();
    expect(reporter.ended()).toEqual([
      { name: 'read_only', host: 'db2', status: 'planned', detail: 'read_only OFF -> ON' },
    ]);
  });

  it('is still ok in a dry run when nothing differs', async () => {
    const { run } = newRun(true);
    expect(await run.converge(setting({ current: 'ON', wanted: 'ON' }).step)).toBe('ok');
  });

  it('fails the step when the re-read still differs, naming step and host', async () => {
    const { run, reporter } = newRun();
    const { step } = setting({ current: 'OFF', wanted: 'ON', stuck: true });
    const error = await failure(run.converge(step));
    expect(error.step).toBe('read_only');
    expect(error.host).toBe('db2');
    expect(error.reason).toBe('did not converge: still read_only OFF -> ON');
    expect(error.message).toBe('read_only on db2: did not converge: still read_only OFF -> ON');
    expect(error.code).toBe('STEP_FAILED');
    expect(reporter.ended()).toEqual([
      {
        name: 'read_only',
        host: 'db2',
        status: 'failed',
        detail: 'did not converge: still read_only OFF -> ON',
      },
    ]);
    expect(run.report().steps.map((s) => s.status)).toEqual(['failed']);
  });

  it('fails the step when a custom verify() throws', async () => {
    const { run, reporter } = newRun();
    const { step } = setting({ current: 'OFF', wanted: 'ON' });
    const error = await failure(
      run.converge({
        ...step,
        verify: async () => {
          throw new Error('marker not found\n  on the slave');
        },
      }),
    );
    expect(error.reason).toBe('marker not found on the slave');
    expect(reporter.ended()[0]).toMatchObject({ status: 'failed', detail: 'marker not found on the slave' });
  });

  it('fails the step when read() or apply() throws', async () => {
    const { run } = newRun();
    const { step } = setting({ current: 'OFF', wanted: 'ON' });
    const readError = await failure(
      run.converge({
        ...step,
        read: async () => {
          throw new Error('connect ECONNREFUSED 10.0.0.2:3306');
        },
      }),
    );
    expect(readError.message).toBe('read_only on db2: connect ECONNREFUSED 10.0.0.2:3306');
    const applyError = await failure(
      run.converge({
        ...step,
        apply: async () => {
          throw new Error('Access denied; you need the SUPER privilege');
        },
      }),
    );
    expect(applyError.reason).toBe('Access denied; you need the SUPER privilege');
  });

  it('passes a StepFailure from a nested step through unchanged', async () => {
    const { run, reporter } = newRun();
    const inner = new StepFailure('inner', 'db3', 'lost connection');
    const error = await failure(
      run.step('outer', 'db1', async () => {
        throw inner;
      }),
    );
    expect(error).toBe(inner);
    expect(reporter.ended()[0]).toEqual({
      name: 'outer',
      host: 'db1',
      status: 'failed',
      detail: 'lost connection',
    });
  });

  it('masks a registered secret in the StepFailure a driver error carries', async () => {
    registerSecret('p4ss-from-env');
    const { run } = newRun();
    const error = await failure(
      run.step('connect', 'db1', async () => {
        throw new Error("Access denied for user 'admin' (using password: p4ss-from-env)");
      }),
    );
    expect(error.message).toBe("connect on db1: Access denied for user 'admin' (using password: ***)");
    expect(error.message).not.toContain('p4ss-from-env');
  });
});

describe('Run.check and Run.verify', () => {
  it('check: ok with the probe detail', async () => {
    const { run, reporter } = newRun();
    await run.check('gtid_mode', 'db1', async () => 'ON');
    expect(reporter.ended()).toEqual([{ name: 'gtid_mode', host: 'db1', status: 'ok', detail: 'ON' }]);
  });

  it('check: a failing probe fails the run with a StepFailure', async () => {
    const { run, reporter } = newRun();
    const error = await failure(
      run.check('gtid_mode', 'db1', async () => {
        throw new Error('gtid_mode is OFF, expected ON');
      }),
    );
    expect(error.message).toBe('gtid_mode on db1: gtid_mode is OFF, expected ON');
    expect(reporter.ended()[0]).toMatchObject({ status: 'failed', detail: 'gtid_mode is OFF, expected ON' });
  });

  it('check runs in a dry run too (it only reads)', async () => {
    const { run } = newRun(true);
    const probe = vi.fn(async () => 'ON');
    await run.check('gtid_mode', 'db1', probe);
    expect(probe).toHaveBeenCalledTimes(1);
  });

  it('verify runs the probe for real, and is planned in a dry run', async () => {
    const real = newRun();
    await real.run.verify('semi-sync', 'db1', async () => '2 clients');
    expect(real.reporter.ended()[0]).toMatchObject({ status: 'ok', detail: '2 clients' });

    const dry = newRun(true);
    const probe = vi.fn(async () => '2 clients');
    await dry.run.verify('semi-sync', 'db1', probe);
    expect(probe).not.toHaveBeenCalled();
    expect(dry.reporter.ended()[0]).toMatchObject({ status: 'planned', detail: 'verify after the changes' });
  });
});

describe('Run.action', () => {
  it('applies and reports the result, or the detail when the result is undefined', async () => {
    const { run, reporter } = newRun();
    await run.action('seed', 'db3', 'load a snapshot of db1', async () => '1,234 rows loaded');
    await run.action('start', 'db3', 'START SLAVE', async () => undefined);
    expect(reporter.ended().map((r) => [r.status, r.detail])).toEqual([
      ['changed', '1,234 rows loaded'],
      ['changed', 'START SLAVE'],
    ]);
  });

  it('is planned and not applied in a dry run', async () => {
    const { run, reporter } = newRun(true);
    const apply = vi.fn(async () => 'done');
    await run.action('seed', 'db3', 'load a snapshot of db1', apply);
    expect(apply).not.toHaveBeenCalled();
    expect(reporter.ended()[0]).toMatchObject({ status: 'planned', detail: 'load a snapshot of db1' });
  });
});

describe('Run.report', () => {
  it('counts changed steps and lists every step in order', async () => {
    const { run } = newRun();
    await run.converge(setting({ current: 'ON', wanted: 'ON' }).step);
    await run.converge(setting({ current: 'OFF', wanted: 'ON' }).step);
    await run.action('start', 'db3', 'START SLAVE', async () => undefined);
    await run.check('lag', 'db3', async () => '0 s');
    const report = run.report();
    expect(report.runbook).toBe('replication');
    expect(report.env).toBe('test');
    expect(report.changed).toBe(2);
    expect(report.steps.map((s) => s.status)).toEqual(['ok', 'changed', 'changed', 'ok']);
  });

  it('does not count planned steps as changed', async () => {
    const { run } = newRun(true);
    await run.converge(setting({ current: 'OFF', wanted: 'ON' }).step);
    expect(run.report().changed).toBe(0);
    expect(run.report().steps[0]?.status).toBe('planned');
  });

  it('redacts registered secrets in step details', async () => {
    registerSecret('s3cr3t-repl-pw');
    const { run } = newRun();
    await run.check('credentials', 'db1', async () => 'repl identified by s3cr3t-repl-pw');
    expect(run.report().steps[0]?.detail).toBe('repl identified by ***');
  });
});

describe('Run progress, notes and meters', () => {
  it('passes progress and notes to the reporter', () => {
    const { run, reporter } = newRun();
    run.progress('copying 10%');
    run.note('db3 is a new slave');
    expect(reporter.events).toEqual([
      { kind: 'progress', text: 'copying 10%' },
      { kind: 'note', text: 'db3 is a new slave' },
    ]);
  });

  it('a meter reports through progress', () => {
    const { run, reporter } = newRun();
    const meter = run.meter('copy', 100, 'rows');
    meter.set(50);
    const texts = reporter.events.flatMap((e) => (e.kind === 'progress' ? [e.text] : []));
    expect(texts).toHaveLength(1);
    expect(texts[0]).toMatch(/^copy \[#{10}\.{10}\] 50% 50\/100 rows /);
  });
});

describe('Run.close', () => {
  it('runs cleanups in reverse order, even when one throws, and only once', async () => {
    const { run } = newRun();
    const order: string[] = [];
    run.onClose(() => {
      order.push('first');
    });
    run.onClose(async () => {
      order.push('second');
      throw new Error('connection already closed');
    });
    run.onClose(async () => {
      order.push('third');
    });
    await expect(run.close()).resolves.toBeUndefined();
    expect(order).toEqual(['third', 'second', 'first']);
    await run.close();
    expect(order).toEqual(['third', 'second', 'first']);
  });

  it('a synchronous throw does not stop the others either', async () => {
    const { run } = newRun();
    const order: string[] = [];
    run.onClose(() => {
      order.push('a');
    });
    run.onClose(() => {
      throw new Error('sync');
    });
    await run.close();
    expect(order).toEqual(['a']);
  });
});

describe('statements a step executed', () => {
  it('are attached to the step that ran them, masked, and to none other', async () => {
    const { run, reporter } = newRun();
    registerSecret('step-secret-77');
    await run.action('create user', 'db1', 'create it', async () => {
      recordStatement('db1', "CREATE USER 'u'@'%' IDENTIFIED BY 'step-secret-77'");
      return undefined;
    });
    await run.check('reachable', 'db2', async () => 'MariaDB 10.11');
    await expect(
      run.step('fence', 'db1', async () => {
        recordStatement('db1', 'SET GLOBAL read_only = 1');
        throw new Error('lost the connection');
      }),
    ).rejects.toBeInstanceOf(StepFailure);
    expect(reporter.ended().map((r) => r.statements)).toEqual([
      [{ host: 'db1', text: "CREATE USER 'u'@'%' IDENTIFIED BY '***'" }],
      undefined,
      [{ host: 'db1', text: 'SET GLOBAL read_only = 1' }],
    ]);
    expect(run.report().steps[0]?.statements).toEqual([
      { host: 'db1', text: "CREATE USER 'u'@'%' IDENTIFIED BY '***'" },
    ]);
  });
});
