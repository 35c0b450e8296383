// What the follow mode takes from the agent's polls: only a fresh answer makes a node reachable or writable.
import { describe, expect, it } from 'vitest';
import { epochFacts } from './follower.ts';
import type { NodeHealth } from './health.ts';

const row = { epoch: 2, master: 'db2', masterServerId: 2 };

describe('epochFacts', () => {
  it('counts a node reachable and writable only from a fresh, answered poll, and keeps its row', () => {
    const now = 10_000;
    const health = new Map<string, NodeHealth>([
      ['db1', { polledAt: now - 100, readOnly: false, serverId: 1 }],
      ['db2', { polledAt: now - 100, readOnly: false, serverId: 2, epoch: row }],
      ['db3', { polledAt: now - 100, readOnly: true, serverId: 3, epoch: row }],
      ['db4', { polledAt: now - 2000, readOnly: false, serverId: 4 }],
      ['db5', { polledAt: now - 100, readOnly: false, serverId: 5, error: 'no answer' }],
    ]);
    const facts = epochFacts(
      { nodes: ['db1', 'db2', 'db3', 'db4', 'db5', 'db6'], staleAfterMs: 1500 },
      health,
      now,
    );
    expect(facts.map((f) => [f.name, f.reachable, f.writable, f.row?.epoch])).toEqual([
      ['db1', true, true, undefined],
      ['db2', true, true, 2],
      ['db3', true, false, 2],
      ['db4', false, false, undefined],
      ['db5', false, false, undefined],
      ['db6', false, false, undefined],
    ]);
  });
});
