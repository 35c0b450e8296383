import { beforeAll, describe, expect, it } from 'vitest';
import { backupBucketRules } from './backup-bucket.ts';
import { bucketsNotPublic } from './policy/bucket-rules.ts';
import { violations } from './testing/policy-args.ts';
import { type MockedResource, runStack, type StackRun } from './testing/run-stack.ts';

const runs: Record<string, StackRun> = {};
beforeAll(async () => {
  runs.dev = await runStack('dev');
  runs.prod = await runStack('prod');
});

const bucketOf = (run: StackRun) => run.resources.filter((r) => r.type === 'gcp:storage/bucket:Bucket');

function variant(base: MockedResource, inputs: Record<string, unknown>, type = base.type): MockedResource {
  return { ...base, type, name: `${base.name}-variant`, inputs: { ...base.inputs, ...inputs } };
}

describe('the backups bucket', () => {
  it.each(['dev', 'prod'])('%s has one: private, versioned, with lifecycle rules', (stack) => {
    const buckets = bucketOf(runs[stack]!);
    expect(buckets).toHaveLength(1);
    const { inputs } = buckets[0]!;
    expect(inputs).toMatchObject({
      name: expect.stringMatching(new RegExp(`-hs-${stack}-backups$`)),
      uniformBucketLevelAccess: true,
      publicAccessPrevention: 'enforced',
      versioning: { enabled: true },
      forceDestroy: false,
      labels: { purpose: 'backups', stack },
    });
    const rules = inputs.lifecycleRules as Array<{
      action: { type: string };
      condition: Record<string, unknown>;
    }>;
    expect(rules).toContainEqual({
      action: { type: 'Delete' },
      condition: { age: backupBucketRules.fullBackupDays, matchesPrefixes: ['full/'] },
    });
    expect(rules).toContainEqual({
      action: { type: 'Delete' },
      condition: { age: backupBucketRules.binlogDays, matchesPrefixes: ['binlog/'] },
    });
    expect(rules.some((r) => r.condition.daysSinceNoncurrentTime === backupBucketRules.noncurrentDays)).toBe(
      true,
    );
  });

  it('passes the policy as made; a public or rule-less variant does not', async () => {
    const bucket = bucketOf(runs.dev!)[0]!;
    expect(await violations(bucketsNotPublic, bucket)).toEqual([]);
    expect(await violations(bucketsNotPublic, variant(bucket, { uniformBucketLevelAccess: false }))).toEqual([
      expect.stringContaining('uniformBucketLevelAccess is not on'),
    ]);
    expect(
      await violations(bucketsNotPublic, variant(bucket, { publicAccessPrevention: 'inherited' })),
    ).toEqual([expect.stringContaining("publicAccessPrevention is 'inherited', not 'enforced'")]);
    expect(await violations(bucketsNotPublic, variant(bucket, { lifecycleRules: [] }))).toEqual([
      expect.stringContaining('without a Delete lifecycle rule'),
    ]);
    const grant = variant(
      bucket,
      { bucket: 'b', role: 'roles/storage.objectViewer', member: 'allUsers' },
      'gcp:storage/bucketIAMMember:BucketIAMMember',
    );
    expect(await violations(bucketsNotPublic, grant)).toEqual([expect.stringContaining('to allUsers')]);
  });
});
