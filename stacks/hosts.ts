import * as command from '@pulumi/command';
import * as docker from '@pulumi/docker';
import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { dataDiskDevice, dockerVolumesDir, renderCloudInit } from './cloud-init.ts';
import type { StackSettings } from './config.ts';
import { HostContainers, type ServiceSpec } from './containers.ts';
import { createDataDisk } from './data-disk.ts';
import {
  guestAttributesMetadata,
  pinHostKeys,
  type StackKnownHosts,
  strictHostKeyOptions,
} from './host-keys.ts';
import type { StackNetwork } from './network.ts';
import type { ImageRegistry } from './registry.ts';
import type { HostPlan } from './topology.ts';

export interface HostContext {
  stack: string;
  settings: StackSettings;
  /** Network tag every host of the stack carries: firewall rules trust traffic from it. */
  stackTag: string;
  /** The snapshot schedule every data disk of the stack follows. */
  snapshotPolicy: gcp.compute.ResourcePolicy;
  network: StackNetwork;
  /** The stack's Artifact Registry: every Docker provider logs in to pull the app image from it. */
  registry: ImageRegistry;
  /** The stack's known_hosts: every SSH use of every host checks the keys read from the VMs into it. */
  knownHosts: StackKnownHosts;
}

/** The managed authorized_keys file: one key a line, a header saying who writes it. */
export function authorizedKeysFile(keys: string[]): string {
  return [
    '# Managed by the highload-social stack (sshPublicKeys): edits here are overwritten.',
    ...keys,
    '',
  ].join('\n');
}

/**
 * Replaces the user's authorized_keys with stdin in one rename, so no moment has a half-written file;
 * refuses an input without a key, which would lock everybody out.
 */
export const syncAuthorizedKeys = [
  'set -eu',
  'umask 077',
  'mkdir -p ~/.ssh',
  'cat > ~/.ssh/authorized_keys.new',
  "grep -Eq '^(ssh-|ecdsa-)' ~/.ssh/authorized_keys.new || { echo 'no key in the new authorized_keys: kept the old one' >&2; rm -f ~/.ssh/authorized_keys.new; exit 1; }",
  'mv ~/.ssh/authorized_keys.new ~/.ssh/authorized_keys',
].join('\n');

/**
 * The readiness check of a new host: cloud-init done (15 minutes at most), Docker up and usable by the
 * SSH user, and on a database host the data disk mounted. A failure names the host, the step that failed
 * and what cloud-init says of itself (a failed cloud-init is the usual cause), instead of a bare exit 1.
 */
export function hostReadyCheck(sshUser: string, keepsData: boolean): string {
  return [
    'timeout 900 cloud-init status --wait >/dev/null || true',
    'fail() { echo "$(hostname) not ready: $1 (cloud-init: $(cloud-init status 2>&1 | head -n 1))" >&2; exit 1; }',
    "systemctl is-active --quiet docker || fail 'docker is not active'",
    `getent group docker | grep -qw ${sshUser} || fail '${sshUser} is not in the docker group'`,
    ...(keepsData ? [`mountpoint -q ${dockerVolumesDir} || fail '${dockerVolumesDir} is not mounted'`] : []),
  ].join('\n');
}

export function roleTag(stackTag: string, role: HostPlan['role']): string {
  return `${stackTag}-${role}`;
}

/**
 * Every child of a host was a resource of the stack itself until hosts became components: this alias
 * names that old URN, so the engine moves the resource into the component instead of replacing it.
 */
export const formerlyTopLevel: pulumi.Alias[] = [{ parent: pulumi.rootStackResource }];

/**
 * One machine of the stack as a component (`social:infra:Host`): its static address, the instance, the
 * readiness check, the Docker provider that reaches it over SSH, and its containers. Options given to the
 * component flow to the children: `protect` guards the address, the instance and the data volumes; the
 * parts that are rebuilt on purpose (readiness check, provider, network, images, containers) opt out,
 * since a protected container could never be replaced by a new image.
 */
export class Host extends pulumi.ComponentResource {
  static readonly type = 'social:infra:Host';

  readonly plan: HostPlan;
  /** The static external address: stable across instance replacement, so the inventory stays valid. */
  readonly address: pulumi.Output<string>;
  /** The static internal address in the stack's subnetwork: what the other hosts use (replication, the app). */
  readonly internalAddress: pulumi.Output<string>;
  readonly instance: gcp.compute.Instance;
  readonly docker: docker.Provider;
  /** Keeps `sshUser`'s authorized_keys equal to `sshPublicKeys` (day 2: keys change after the first boot). */
  readonly sshKeys: command.remote.Command;
  private readonly containers: HostContainers;

  constructor(ctx: HostContext, plan: HostPlan, opts: pulumi.ComponentResourceOptions = {}) {
    const name = `${ctx.stack}-${plan.key}`;
    super(Host.type, name, {}, opts);
    this.plan = plan;
    const { settings, stack } = ctx;
    const labels = { stack, role: plan.role, app: 'highload-social' };
    const child = { parent: this, aliases: formerlyTopLevel };
    const rebuilt = { ...child, protect: false };

    const address = new gcp.compute.Address(
      name,
      {
        name,
        region: settings.region,
        addressType: 'EXTERNAL',
        description: `highload-social ${stack} ${plan.key}`,
      },
      { ...child, dependsOn: ctx.network.apis },
    );
    this.address = address.address;
    const internal = new gcp.compute.Address(
      `${name}-internal`,
      {
        name: `${name}-internal`,
        region: settings.region,
        addressType: 'INTERNAL',
        subnetwork: ctx.network.subnetwork.id,
        description: `highload-social ${stack} ${plan.key}, inside the stack's network`,
      },
      { parent: this },
    );
    this.internalAddress = internal.address;
    const dataDisk = plan.keepsData
      ? createDataDisk({ name, settings, labels, snapshotPolicy: ctx.snapshotPolicy, parent: this })
      : undefined;
    this.instance = new gcp.compute.Instance(
      name,
      {
        name,
        zone: settings.zone,
        machineType: plan.machineType,
        tags: [ctx.stackTag, roleTag(ctx.stackTag, plan.role)],
        labels,
        bootDisk: {
          autoDelete: true,
          initializeParams: { image: settings.bootImage, size: settings.bootDiskSizeGb, type: 'pd-balanced' },
        },
        // Not auto-deleted: a replaced instance leaves it, and its successor attaches it again.
        attachedDisks: dataDisk ? [{ source: dataDisk.selfLink, deviceName: dataDiskDevice }] : [],
        networkInterfaces: [
          {
            subnetwork: ctx.network.subnetwork.id,
            networkIp: internal.address,
            accessConfigs: [{ natIp: address.address }],
          },
        ],
        metadata: {
          'user-data': renderCloudInit({
            sshUser: settings.sshUser,
            sshPublicKeys: settings.sshPublicKeys,
            dataDisk: plan.keepsData,
          }),
          // Only the keys in user-data log in, not every project-wide key.
          'block-project-ssh-keys': 'true',
          // The guest agent publishes the SSH host keys there (hostkeys/): the stack pins them.
          ...guestAttributesMetadata,
        },
        deletionProtection: opts.protect === true,
        allowStoppingForUpdate: true,
      },
      // Its name, static address and data disk are its own: the old one must go before the new one can be.
      { ...child, deleteBeforeReplace: true },
    );
    // Read from the VM through the Compute API, again for a replaced instance (a new id, new keys).
    const pinned = pinHostKeys({
      knownHosts: ctx.knownHosts,
      host: plan.key,
      instance: this.instance,
      address: address.address,
      parent: this,
    });
    // A fresh VM takes a while to answer SSH: up to 60 attempts of 10 s each, not 10 at once; the
    // server must show the key read from the VM.
    const connection = {
      host: address.address,
      user: settings.sshUser,
      dialErrorLimit: 60,
      perDialTimeout: 10,
      hostKey: pinned.connectionKey,
    };
    // GCP reports an instance RUNNING long before cloud-init has installed Docker; 15 minutes at most.
    const ready = new command.remote.Command(
      `${name}-docker-ready`,
      {
        connection,
        create: hostReadyCheck(settings.sshUser, plan.keepsData),
        triggers: [this.instance.instanceId],
      },
      { ...rebuilt, dependsOn: [this.instance] },
    );
    // cloud-init writes the keys at the first boot only: this keeps them in step on every host, new or old.
    this.sshKeys = new command.remote.Command(
      `${name}-ssh-keys`,
      {
        connection,
        create: syncAuthorizedKeys,
        // Public keys, on stdin rather than in the command line.
        stdin: authorizedKeysFile(settings.sshPublicKeys),
        triggers: [this.instance.instanceId, ...settings.sshPublicKeys],
      },
      { ...rebuilt, dependsOn: [ready] },
    );
    this.docker = new docker.Provider(
      name,
      {
        host: pulumi.interpolate`ssh://${settings.sshUser}@${address.address}:22`,
        // One SSH connection per host, shared by every container operation (sshd's MaxStartups would
        // refuse ~20 parallel new ones).
        // Only the keys the stack read from the VM are trusted (written before this provider starts).
        sshOpts: pinned.knownHosts.apply((file) => [
          ...strictHostKeyOptions(file),
          '-o',
          'ServerAliveInterval=30',
          '-o',
          'ControlMaster=auto',
          '-o',
          'ControlPath=~/.ssh/highload-social-%C',
          '-o',
          'ControlPersist=120',
        ]),
        // A preview needs no SSH to the hosts (and CI runners are outside sshSourceRanges).
        disableDockerDaemonCheck: true,
        registryAuth: [ctx.registry.auth],
      },
      { ...rebuilt, dependsOn: [ready] },
    );
    this.containers = new HostContainers({
      prefix: name,
      instanceId: this.instance.instanceId,
      opts: { ...rebuilt, provider: this.docker },
      volumeOpts: { ...child, provider: this.docker, retainOnDelete: opts.protect === true },
    });
    this.registerOutputs({ address: this.address, instanceId: this.instance.instanceId });
  }

  /**
   * Runs a container on this host, on the host's `highload-social` network (its name is the other
   * containers' way to reach it), with its image pulled once per host and a named volume per data path.
   */
  addContainer(spec: ServiceSpec): docker.Container {
    return this.containers.add(spec);
  }
}
