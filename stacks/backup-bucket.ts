import * as gcp from '@pulumi/gcp';
import type * as pulumi from '@pulumi/pulumi';
import type { StackSettings } from './config.ts';

/**
 * How long the bucket keeps what it is given: the outer bound. backup.mjs's own retention (--keep,
 * --keep-days) decides on the host which backups exist; the bucket deletes any copy older than this,
 * and a deleted or overwritten object's old version after a week (a mistaken sync cannot take a backup
 * with it at once).
 */
export const backupBucketRules = {
  fullBackupDays: 35,
  binlogDays: 35,
  noncurrentDays: 7,
  coldAfterDays: 7,
};

/** The label the policy pack knows a backups bucket by. */
export const backupBucketLabel = { purpose: 'backups' };

/**
 * The environment's backups bucket: full/ (backup.mjs's folders) and binlog/ (the archive), the same
 * layout as <state dir>/backups on a host. Never public: uniform bucket-level access (no object ACLs)
 * and public access prevention enforced (the policy pack checks both); versioned, with lifecycle rules.
 */
export function createBackupBucket(
  stack: string,
  settings: StackSettings,
  opts: pulumi.CustomResourceOptions = {},
): gcp.storage.Bucket {
  const age = (days: number, prefix: string) => ({ age: days, matchesPrefixes: [prefix] });
  return new gcp.storage.Bucket(
    `${stack}-backups`,
    {
      // Project ids are unique worldwide, so a bucket name made from one is too.
      name: `${settings.project}-hs-${stack}-backups`,
      location: settings.region,
      storageClass: 'STANDARD',
      uniformBucketLevelAccess: true,
      publicAccessPrevention: 'enforced',
      versioning: { enabled: true },
      forceDestroy: false,
      labels: { stack, app: 'highload-social', ...backupBucketLabel },
      lifecycleRules: [
        {
          action: { type: 'SetStorageClass', storageClass: 'NEARLINE' },
          condition: { age: backupBucketRules.coldAfterDays, matchesPrefixes: ['full/'] },
        },
        { action: { type: 'Delete' }, condition: age(backupBucketRules.fullBackupDays, 'full/') },
        { action: { type: 'Delete' }, condition: age(backupBucketRules.binlogDays, 'binlog/') },
        {
          action: { type: 'Delete' },
          condition: { daysSinceNoncurrentTime: backupBucketRules.noncurrentDays, withState: 'ARCHIVED' },
        },
        { action: { type: 'AbortIncompleteMultipartUpload' }, condition: { age: 1 } },
      ],
    },
    { protect: settings.protectData, ...opts },
  );
}
