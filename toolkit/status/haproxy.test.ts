import { describe, expect, it } from 'vitest';
import type { ServerState } from '../haproxy/runtime-api.ts';
import { describeEndpoint } from './haproxy.ts';

function server(backend: string, name: string, up: boolean, maint = false, detail = ''): ServerState {
  return {
    backend,
    server: name,
    address: '127.0.0.1:1',
    up,
    maint,
    status: maint ? 'MAINT' : up ? 'UP' : 'DOWN (agent)',
    checkStatus: 'L4OK',
    agentStatus: up ? 'L7OK' : 'L7STS',
    detail,
    sessions: 0,
    wentDown: 0,
  };
}

describe('describeEndpoint', () => {
  it('names the node the writer serves', () => {
    const servers = [server('writer', 'db1', true), server('writer', 'db2', false, true)];
    expect(describeEndpoint('writer', servers, true)).toEqual({ health: 'up', detail: '→ db1' });
  });

  it('calls a writer with no server up down, with the reason of the unmaintained ones', () => {
    const servers = [
      server('writer', 'db1', false, false, 'down (read_only)'),
      server('writer', 'db2', false, true),
    ];
    expect(describeEndpoint('writer', servers, true)).toEqual({
      health: 'down',
      detail: 'no server up: db1 DOWN (agent) down (read_only)',
    });
  });

  it('calls a reader on the master fallback degraded', () => {
    const servers = [
      server('reader', 'db2', false, false, 'down (lag 9 s > 5 s)'),
      server('reader', 'db1-fallback', true),
    ];
    expect(describeEndpoint('reader', servers, true)).toEqual({
      health: 'degraded',
      detail: '→ db1 (master fallback: no slave qualifies)',
    });
  });

  it('says so when the agent does not answer', () => {
    expect(describeEndpoint('writer', [server('writer', 'db1', true)], false)).toEqual({
      health: 'degraded',
      detail: '→ db1, agent not answering',
    });
  });
});
