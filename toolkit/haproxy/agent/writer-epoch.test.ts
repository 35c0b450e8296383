// The follow mode's decision: which node HAProxy's writer opens, from the nodes' epochs and what is open.
import { describe, expect, it } from 'vitest';
import { decideWriter, type EpochFacts, highestEpoch, type WriterFacts } from './writer-epoch.ts';

/** A node that answers, with its own server_id = its index; `claims` records a row naming itself. */
function node(
  name: string,
  serverId: number,
  opts: Partial<EpochFacts> & { claims?: number } = {},
): EpochFacts {
  const { claims, ...rest } = opts;
  return {
    name,
    serverId,
    reachable: true,
    writable: false,
    ...(claims !== undefined ? { row: { epoch: claims, master: name, masterServerId: serverId } } : {}),
    ...rest,
  };
}
/** A slave's replicated copy of the master's row. */
const copyOf = (master: string, serverId: number, epoch: number) => ({
  epoch,
  master,
  masterServerId: serverId,
});

const facts = (nodes: EpochFacts[], openWriters: string[], knownEpoch = 0): WriterFacts => ({
  nodes,
  openWriters,
  knownEpoch,
  initialMaster: 'db',
});

describe('decideWriter', () => {
  it('keeps the writer on the master that claims the highest epoch', () => {
    const nodes = [node('db', 1, { writable: true, claims: 1 }), node('s1', 2, { row: copyOf('db', 1, 1) })];
    expect(decideWriter(facts(nodes, ['db']))).toMatchObject({ action: 'keep' });
  });

  it('after a failover: opens the promoted node (epoch + 1) and leaves the fenced old master', () => {
    const nodes = [
      node('db', 1, { claims: 1 }),
      node('s1', 2, { writable: true, claims: 2 }),
      node('s2', 3, { row: copyOf('s1', 2, 2) }),
    ];
    expect(decideWriter(facts(nodes, ['db']))).toEqual({
      action: 'switch',
      to: 's1',
      epoch: 2,
      reason: 's1 claims epoch 2 and is writable: from db',
    });
  });

  it('opens the promoted node when no writer is open at all (a fresh HAProxy)', () => {
    const nodes = [node('db', 1, { claims: 1 }), node('s1', 2, { writable: true, claims: 2 })];
    expect(decideWriter(facts(nodes, []))).toMatchObject({ action: 'switch', to: 's1' });
  });

  it('isolates a second open writer even when the right one is open', () => {
    const nodes = [node('db', 1, { claims: 1 }), node('s1', 2, { writable: true, claims: 2 })];
    expect(decideWriter(facts(nodes, ['s1', 'db']))).toMatchObject({ action: 'switch', to: 's1' });
  });

  it('never opens an old master that comes back writable with a lower epoch', () => {
    const nodes = [
      node('db', 1, { writable: true, claims: 1 }),
      node('s1', 2, { writable: true, claims: 2 }),
    ];
    expect(decideWriter(facts(nodes, ['s1']))).toEqual({
      action: 'keep',
      reason: 's1 (epoch 2) is the open writer; db writable with a lower epoch: never opened',
    });
    // The new master gone too: the old one still claims less than what the slaves hold.
    const gone = [
      node('db', 1, { writable: true, claims: 1 }),
      node('s1', 2, { reachable: false, claims: 2 }),
      node('s2', 3, { row: copyOf('s1', 2, 2) }),
    ];
    const decision = decideWriter(facts(gone, []));
    expect(decision.action).toBe('keep');
    expect(decision.reason).toBe(
      'no writable node claims epoch 2 (s1 does, unreachable or read-only); db writable with a lower epoch: never opened',
    );
  });

  it('remembers the highest epoch it saw: one no node shows any more still fences the lower ones', () => {
    const nodes = [node('db', 1, { writable: true, claims: 1 })];
    expect(highestEpoch(nodes, 2)).toBe(2);
    expect(decideWriter(facts(nodes, [], 2))).toMatchObject({ action: 'keep' });
  });

  it('does nothing when two writable nodes claim the same highest epoch, and says why', () => {
    const nodes = [
      node('db', 1, { writable: true, claims: 3 }),
      node('s1', 2, { writable: true, claims: 3 }),
    ];
    expect(decideWriter(facts(nodes, ['db']))).toEqual({
      action: 'conflict',
      nodes: ['db', 's1'],
      epoch: 3,
      reason: 'db and s1 are both writable and claim epoch 3: writer left as it is',
    });
  });

  it('does not open a writable slave holding a copy of the highest row (it claims nothing)', () => {
    const nodes = [node('db', 1, { claims: 2 }), node('s1', 2, { writable: true, row: copyOf('db', 1, 2) })];
    expect(decideWriter(facts(nodes, []))).toMatchObject({ action: 'keep' });
  });

  it('does not open the claimant while it is read-only or unreachable', () => {
    for (const s1 of [
      node('s1', 2, { claims: 2 }),
      node('s1', 2, { writable: true, reachable: false, claims: 2 }),
    ]) {
      expect(decideWriter(facts([node('db', 1, { claims: 1 }), s1], ['db']))).toMatchObject({
        action: 'keep',
      });
    }
  });

  it('with no epoch anywhere yet, follows the config master once it is writable, and nothing else', () => {
    expect(decideWriter(facts([node('db', 1, { writable: true }), node('s1', 2)], []))).toMatchObject({
      action: 'switch',
      to: 'db',
    });
    expect(decideWriter(facts([node('db', 1), node('s1', 2, { writable: true })], []))).toEqual({
      action: 'keep',
      reason: 'no epoch recorded; db not writable',
    });
  });
});
