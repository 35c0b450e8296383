// After a failover in a stack-made environment the runbook ends by checking that the promoted node's epoch
// row names it (HAProxy's agent follows that) and saying so; elsewhere (an HAProxy runtime API at hand, or
// no stack) it says nothing.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../inventory/paths.ts';
import type { Inventory } from '../inventory/schema.ts';
import type { InventorySource } from '../inventory/source.ts';
import { YamlInventorySource } from '../inventory/yaml-source.ts';
import type { Reporter } from '../procedure/reporter.ts';
import { Run } from '../procedure/run.ts';
import type { StepRecord } from '../procedure/types.ts';
import { handOverStackWriter } from './stack-writer.ts';

function recordingRun() {
  const steps: StepRecord[] = [];
  const notes: string[] = [];
  const reporter: Reporter = {
    stepStarted: () => {},
    progress: () => {},
    stepEnded: (r) => steps.push({ ...r }),
    note: (t) => notes.push(t),
    finished: () => {},
  };
  return { run: new Run({ runbook: 'failover', env: 'prod', dryRun: false, reporter }), steps, notes };
}

const source = (pulumiStack?: string) => ({ env: 'prod', pulumiStack }) as unknown as InventorySource;
const inventory = (adminSocket?: string) =>
  ({
    haproxy: adminSocket ? { host: '127.0.0.1', writerPort: 1, readerPort: 2, adminSocket } : undefined,
  }) as Inventory;

describe("HAProxy's writer after a failover in a stack", () => {
  it('checks that the epoch row names the new master and says the agent follows it, no pulumi step', async () => {
    const { run, steps, notes } = recordingRun();
    const epoch = async () => ({ epoch: 3, master: 'db-slave-1', masterServerId: 2 });
    await handOverStackWriter(run, inventory(), source('prod'), 'db-slave-1', epoch);
    expect(steps).toEqual([
      expect.objectContaining({
        name: 'haproxy writer (agent follows)',
        host: 'db-slave-1',
        status: 'ok',
        detail:
          "epoch 3 names db-slave-1: HAProxy's health agent in stack prod opens its writer once it polls it writable (about a second) and never reopens an older master",
      }),
    ]);
    expect(notes).toEqual([
      "HAProxy's writer in stack prod follows db-slave-1 by itself; mysqlMaster stays the initial master (no pulumi up needed)",
    ]);
    expect(JSON.stringify([steps, notes])).not.toContain('pulumi up -s');
  });

  it('fails the step when the epoch row names another node, or none', async () => {
    for (const [record, names] of [
      [{ epoch: 2, master: 'db', masterServerId: 1 }, 'db (epoch 2)'],
      [undefined, 'no master'],
    ] as const) {
      const { run, steps } = recordingRun();
      await expect(
        handOverStackWriter(run, inventory(), source('prod'), 'db-slave-1', async () => record),
      ).rejects.toThrow();
      expect(steps[0]).toMatchObject({ status: 'failed' });
      expect(steps[0]?.detail).toContain(`the topology epoch on db-slave-1 names ${names}`);
    }
  });

  it('says nothing where the runtime API switched the writer already, or no stack made the machines', async () => {
    for (const [inv, src] of [
      [inventory('/run/haproxy/admin.sock'), source('prod')],
      [inventory(), source(undefined)],
    ] as const) {
      const { run, steps, notes } = recordingRun();
      await handOverStackWriter(run, inv, src, 'db-slave-1', async () => undefined);
      expect([steps, notes]).toEqual([[], []]);
    }
  });

  it("knows the stack of a stack-backed environment's YAML", () => {
    expect(new YamlInventorySource('prod', join(repoRoot, 'environments', 'prod.yaml')).pulumiStack).toBe(
      'prod',
    );
  });
});
