import { describe, expect, it } from 'vitest';
import { agentWord, judge, type NodeHealth, parseRequest } from './health.ts';

const now = 1_000_000;
const options = { now, staleAfterMs: 1500, maxLagSeconds: 5 };
const master: NodeHealth = { polledAt: now - 100, readOnly: false, serverId: 1 };
const slave = (replica: Partial<NonNullable<NodeHealth['replica']>>, extra: Partial<NodeHealth> = {}) => ({
  polledAt: now - 100,
  readOnly: true,
  serverId: 2,
  replica: { ioRunning: true, sqlRunning: true, lagSeconds: 0, ...replica },
  ...extra,
});

describe('judge', () => {
  it('lets only a writable node, freshly polled, be the writer or the fallback', () => {
    expect(judge('writer', master, options)).toEqual({ up: true, reason: 'writable' });
    expect(judge('fallback', master, options).up).toBe(true);
    expect(judge('writer', { ...master, readOnly: true }, options)).toEqual({
      up: false,
      reason: 'read_only',
    });
    expect(judge('writer', { ...master, polledAt: now - 2000 }, options)).toEqual({
      up: false,
      reason: 'no answer for 2000 ms',
    });
    expect(judge('writer', { ...master, error: 'connection refused' }, options).reason).toBe(
      'no answer for 100 ms: connection refused',
    );
    expect(judge('writer', undefined, options)).toEqual({ up: false, reason: 'not polled yet' });
  });

  it('lets a slave read only while both threads run and its lag is known and within the limit', () => {
    expect(judge('reader', slave({ lagSeconds: 5 }), options)).toEqual({ up: true, reason: 'lag 5 s' });
    expect(judge('reader', slave({ lagSeconds: 6 }), options)).toEqual({
      up: false,
      reason: 'lag 6 s > 5 s',
    });
    expect(judge('reader', slave({ lagSeconds: null }), options).reason).toBe('lag unknown');
    expect(judge('reader', slave({ sqlRunning: false }), options).reason).toBe('sql thread stopped');
    expect(judge('reader', slave({ ioRunning: false }), options).reason).toBe('io thread stopped');
    expect(judge('reader', master, options).reason).toBe('not replicating');
  });

  it('keeps a slave whose IO thread stopped (its master died) while its last lag plus the time since is within the limit', () => {
    const stopped = (lastAt: number, lagSeconds: number) =>
      slave({ ioRunning: false, lagSeconds: null, lastReplicating: { at: lastAt, lagSeconds } });
    expect(judge('reader', stopped(now - 2000, 1), options)).toEqual({
      up: true,
      reason: 'io thread stopped, at most 3.0 s behind',
    });
    expect(judge('reader', stopped(now - 5000, 0), options).up).toBe(true);
    expect(judge('reader', stopped(now - 5001, 0), options)).toEqual({
      up: false,
      reason: 'io thread stopped',
    });
    expect(judge('reader', stopped(now - 1000, 5), options).up).toBe(false);
    expect(
      judge(
        'reader',
        slave({ lagSeconds: null, lastReplicating: { at: now - 1000, lagSeconds: 0 } }),
        options,
      ).reason,
    ).toBe('lag unknown, at most 1.0 s behind');
    // A stopped SQL thread applies nothing: down at once, whatever it held.
    expect(
      judge('reader', slave({ sqlRunning: false, lastReplicating: { at: now, lagSeconds: 0 } }), options).up,
    ).toBe(false);
    expect(judge('reader', slave({}, { polledAt: now - 1600 }), options).up).toBe(false);
  });
});

describe('the agent protocol', () => {
  it('speaks only up and down, with the reason after a space and #', () => {
    expect(agentWord({ up: true, reason: 'writable' })).toBe('up\n');
    expect(agentWord({ up: false, reason: 'read_only' })).toBe('down #read_only\n');
    expect(agentWord({ up: false, reason: 'a\nb' })).toBe('down #a b\n');
  });

  it('parses what the server lines send, and nothing else', () => {
    expect(parseRequest('writer db1\n')).toEqual({ role: 'writer', node: 'db1' });
    expect(parseRequest('fallback db-slave-1')).toEqual({ role: 'fallback', node: 'db-slave-1' });
    expect(parseRequest('maint db1')).toBeUndefined();
    expect(parseRequest('writer DB1; drop')).toBeUndefined();
  });
});
