// After a failover in a stack-made environment the runbook ends by saying how HAProxy's writer follows;
// elsewhere (an HAProxy runtime API at hand, or no stack) it says nothing.
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
  it('ends with the exact config change and deploy that move the writer', async () => {
    const { run, steps, notes } = recordingRun();
    await handOverStackWriter(run, inventory(), source('prod'), 'db-slave-1');
    const command = 'pulumi config set mysqlMaster db-slave-1 -s prod && pulumi up -s prod';
    expect(steps).toEqual([
      expect.objectContaining({
        name: 'haproxy writer (stack config)',
        host: 'prod',
        status: 'ok',
        detail: `writes are refused until HAProxy opens db-slave-1: run ${command}`,
      }),
    ]);
    expect(notes).toEqual([`HAProxy's writer in stack prod still names the old master: ${command}`]);
  });

  it('says nothing where the runtime API switched the writer already, or no stack made the machines', async () => {
    for (const [inv, src] of [
      [inventory('/run/haproxy/admin.sock'), source('prod')],
      [inventory(), source(undefined)],
    ] as const) {
      const { run, steps, notes } = recordingRun();
      await handOverStackWriter(run, inv, src, 'db-slave-1');
      expect([steps, notes]).toEqual([[], []]);
    }
  });

  it("knows the stack of a stack-backed environment's YAML", () => {
    expect(new YamlInventorySource('prod', join(repoRoot, 'environments', 'prod.yaml')).pulumiStack).toBe(
      'prod',
    );
  });
});
