import * as command from '@pulumi/command';
import * as docker from '@pulumi/docker';
import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { renderCloudInit } from './cloud-init.ts';
import type { StackSettings } from './config.ts';
import type { HostPlan } from './topology.ts';

export interface HostContext {
  stack: string;
  settings: StackSettings;
  /** Network tag every host of the stack carries: firewall rules trust traffic from it. */
  stackTag: string;
}

export interface Host {
  plan: HostPlan;
  /** The static external address: stable across instance replacement, so the inventory stays valid. */
  address: pulumi.Output<string>;
  instance: gcp.compute.Instance;
  docker: docker.Provider;
}

export function roleTag(stackTag: string, role: HostPlan['role']): string {
  return `${stackTag}-${role}`;
}

/** A GCP instance with Docker, a static address, and a Docker provider that reaches it over SSH. */
export function createHost(ctx: HostContext, plan: HostPlan): Host {
  const { settings, stack } = ctx;
  const name = `${stack}-${plan.key}`;
  const hasData = plan.role !== 'vitess';
  const address = new gcp.compute.Address(name, {
    name,
    region: settings.region,
    addressType: 'EXTERNAL',
    description: `highload-social ${stack} ${plan.key}`,
  });
  const instance = new gcp.compute.Instance(
    name,
    {
      name,
      zone: settings.zone,
      machineType: plan.machineType,
      tags: [ctx.stackTag, roleTag(ctx.stackTag, plan.role)],
      labels: { stack, role: plan.role, app: 'highload-social' },
      bootDisk: {
        autoDelete: true,
        initializeParams: { image: settings.bootImage, size: settings.bootDiskSizeGb, type: 'pd-balanced' },
      },
      networkInterfaces: [{ network: settings.network, accessConfigs: [{ natIp: address.address }] }],
      metadata: {
        'user-data': renderCloudInit(settings.sshUser, settings.sshPublicKeys),
        // Only the keys in user-data log in, not every project-wide key.
        'block-project-ssh-keys': 'true',
      },
      deletionProtection: settings.protectData && hasData,
      allowStoppingForUpdate: true,
    },
    { protect: settings.protectData && hasData },
  );
  const connection = { host: address.address, user: settings.sshUser };
  // GCP reports an instance RUNNING long before cloud-init has installed Docker.
  const ready = new command.remote.Command(
    `${name}-docker-ready`,
    {
      connection,
      create: `cloud-init status --wait >/dev/null || true; systemctl is-active --quiet docker && getent group docker | grep -qw ${settings.sshUser}`,
      triggers: [instance.instanceId],
    },
    { dependsOn: [instance] },
  );
  const provider = new docker.Provider(
    name,
    {
      host: pulumi.interpolate`ssh://${settings.sshUser}@${address.address}:22`,
      sshOpts: ['-o', 'StrictHostKeyChecking=accept-new', '-o', 'ServerAliveInterval=30'],
    },
    { dependsOn: [ready] },
  );
  return { plan, address: address.address, instance, docker: provider };
}
