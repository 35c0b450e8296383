import * as gcp from '@pulumi/gcp';
import type * as pulumi from '@pulumi/pulumi';
import type { StackSettings } from './config.ts';

/** The stack's snapshot schedule: daily, kept `snapshots.retentionDays`, and kept when a disk is deleted. */
export function createSnapshotPolicy(
  stack: string,
  settings: StackSettings,
  apis: pulumi.Resource[],
): gcp.compute.ResourcePolicy {
  const name = `${stack}-data-snapshots`;
  return new gcp.compute.ResourcePolicy(
    name,
    {
      name,
      region: settings.region,
      description: `Daily snapshots of the highload-social ${stack} data disks`,
      snapshotSchedulePolicy: {
        schedule: { dailySchedule: { daysInCycle: 1, startTime: settings.snapshots.startTime } },
        retentionPolicy: {
          maxRetentionDays: settings.snapshots.retentionDays,
          onSourceDiskDelete: 'KEEP_AUTO_SNAPSHOTS',
        },
        snapshotProperties: { labels: { stack, app: 'highload-social' }, storageLocations: settings.region },
      },
    },
    { dependsOn: apis },
  );
}

export interface DataDiskInput {
  /** The host's name; the disk is `<host>-data`. */
  name: string;
  settings: StackSettings;
  labels: Record<string, string>;
  snapshotPolicy: gcp.compute.ResourcePolicy;
  parent: pulumi.Resource;
}

/**
 * A host's data disk: its own resource, so an instance replaced (new image, zone move aside) leaves it be,
 * and its size grows in place (`dataDiskSizeGb` up: GCP resizes a disk without detaching it; the
 * filesystem then needs `resize2fs`). `protect` comes from the host.
 */
export function createDataDisk({
  name,
  settings,
  labels,
  snapshotPolicy,
  parent,
}: DataDiskInput): gcp.compute.Disk {
  const disk = new gcp.compute.Disk(
    `${name}-data`,
    {
      name: `${name}-data`,
      zone: settings.zone,
      size: settings.dataDiskSizeGb,
      type: settings.dataDiskType,
      labels: { ...labels, holds: 'docker-volumes' },
    },
    { parent },
  );
  new gcp.compute.DiskResourcePolicyAttachment(
    `${name}-data-snapshots`,
    { disk: disk.name, zone: settings.zone, name: snapshotPolicy.name },
    { parent, protect: false },
  );
  return disk;
}
