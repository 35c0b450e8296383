import * as docker from '@pulumi/docker';
import * as pulumi from '@pulumi/pulumi';
import { readShared, type SharedFile } from './shared-files.ts';

export type EnvValue = pulumi.Input<string | number>;

export interface ServiceSpec {
  /** Container name on the host, as in compose (db, redis, ...): containers find each other by it. */
  name: string;
  image: string;
  command?: pulumi.Input<string>[];
  /** Plain settings, visible in previews and state. */
  env?: Record<string, EnvValue>;
  /** Values taken from `pulumi config --secret`: the whole env list becomes a secret output. */
  secretEnv?: Record<string, pulumi.Output<string>>;
  /**
   * Secrets the image reads from a file (`NAME_FILE`): each value is uploaded to `/run/secrets/<name>` and
   * only the path is in the environment, so `docker inspect` shows no password.
   */
  fileSecrets?: Record<string, pulumi.Output<string>>;
  /** `ip` binds the host port to one address (127.0.0.1: reachable on the host only). */
  ports?: Array<{ internal: number; external: number; ip?: pulumi.Input<string> }>;
  files?: SharedFile[];
  /** Config files the stack renders (from the same renderer as compose's copy), uploaded like `files`. */
  generatedFiles?: Array<{ target: string; content: pulumi.Input<string> }>;
  /**
   * Files made of secrets (a config file with a password, a `*_FILE` target): uploaded into the container,
   * so `docker inspect` shows no secret; the uploads become a secret output.
   */
  secretFiles?: Array<{
    target: string;
    content: pulumi.Output<string>;
    /** Numeric uid and mode (`0400`): a file only the image's own user reads. Default root, 0644. */
    owner?: string;
    permissions?: string;
  }>;
  /** Container paths that keep data across container replacement, in a named volume each. */
  dataPaths?: string[];
  hostname?: string;
  ulimits?: Array<{ name: string; soft: number; hard: number }>;
  /** Overrides the image's HEALTHCHECK; `['NONE']` turns it off. */
  healthcheck?: { tests: string[] };
  dependsOn?: pulumi.Resource[];
  /**
   * Shares this container's network namespace instead of joining the host's networks (compose's
   * `network_mode: service:<name>`): it listens where only that container reaches it.
   */
  networkOf?: docker.Container;
  /**
   * The machine's view rather than a container's (node_exporter): the host's network and PID namespaces,
   * and the host's / mounted read-only at `rootfs`. Joins no container network.
   */
  hostView?: { rootfs: string };
  /** Mounts that container's volumes at their paths too (compose's `volumes_from`). */
  volumesOf?: docker.Container;
  /** Runs as this `uid:gid` instead of the image's user (compose's `user`). */
  user?: string;
  /** Also on the host's edge network (nginx and the app instances only); `address`: a fixed one, and only there. */
  edge?: { address?: string };
  /**
   * A job, not a service (the migrations): run once per creation, never restarted, and waited for (attached)
   * until it exits, so that what depends on it is created after it ran.
   */
  runOnce?: boolean;
}

/**
 * The edge network's range and nginx's fixed address in it: the one address the app instances believe
 * X-Forwarded-For from (TRUST_PROXY); compose's EDGE_SUBNET/EDGE_NGINX_ADDRESS defaults are the same.
 */
export const edgeSubnet = '172.31.250.0/28';
export const edgeNginxAddress = '172.31.250.2';

export interface HostContainersArgs {
  /** The host's name: every Docker resource's name starts with it, as before hosts were components. */
  prefix: string;
  /**
   * The instance the containers run on. Network, images and containers carry it, so a replaced instance
   * (an empty VM at the same address) gets them all again; volumes do not: they live on the data disk.
   */
  instanceId: pulumi.Output<string>;
  /** Options of the network, images and containers (parent, provider, aliases). */
  opts: pulumi.CustomResourceOptions;
  /** Options of the data volumes; their `protect` comes from the host. */
  volumeOpts: pulumi.CustomResourceOptions;
}

/** Docker label naming the GCP instance a resource was made on. */
export const instanceLabel = 'org.highload-social.instance-id';

/** The containers of one host on a private network, with images pulled once per host. */
export class HostContainers {
  private network?: docker.Network;
  private edgeNetwork?: docker.Network;
  private readonly images = new Map<string, docker.RemoteImage>();

  constructor(private readonly args: HostContainersArgs) {}

  /** Created with the first container, so a host without any (Vitess's) has no network either. */
  private networkName(): pulumi.Output<string> {
    this.network ??= new docker.Network(
      `${this.args.prefix}-net`,
      { name: 'highload-social', driver: 'bridge', labels: [this.instanceLabel()] },
      this.args.opts,
    );
    return this.network.name;
  }

  /** Created with the first container that asks for it. */
  private edgeNetworkName(): pulumi.Output<string> {
    this.edgeNetwork ??= new docker.Network(
      `${this.args.prefix}-edge`,
      {
        name: 'highload-social-edge',
        driver: 'bridge',
        ipamConfigs: [{ subnet: edgeSubnet }],
        labels: [this.instanceLabel()],
      },
      this.args.opts,
    );
    return this.edgeNetwork.name;
  }

  private instanceLabel() {
    return { label: instanceLabel, value: this.args.instanceId };
  }

  private image(name: string): docker.RemoteImage {
    let image = this.images.get(name);
    if (!image) {
      // Named after the reference without its digest: a new digest of the same tag keeps the resource name.
      const key = name
        .replace(/@sha256:[0-9a-f]+$/, '')
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/-+$/, '');
      image = new docker.RemoteImage(
        `${this.args.prefix}-image-${key}`,
        { name, keepLocally: true, triggers: { instanceId: this.args.instanceId } },
        this.args.opts,
      );
      this.images.set(name, image);
    }
    return image;
  }

  private networks(spec: ServiceSpec) {
    return [
      ...(spec.edge?.address ? [] : [{ name: this.networkName(), aliases: [spec.name] }]),
      ...(spec.edge
        ? [{ name: this.edgeNetworkName(), aliases: [spec.name], ipv4Address: spec.edge.address }]
        : []),
    ];
  }

  add(spec: ServiceSpec): docker.Container {
    const { prefix, opts, volumeOpts } = this.args;
    const volumes = (spec.dataPaths ?? []).map((containerPath, i) => {
      const key = i === 0 ? 'data' : `data-${i + 1}`;
      const volume = new docker.Volume(
        `${prefix}-${spec.name}-${key}`,
        { name: `${spec.name}-${key}` },
        volumeOpts,
      );
      return { volumeName: volume.name, containerPath } as docker.types.input.ContainerVolume;
    });
    if (spec.volumesOf) volumes.push({ fromContainer: spec.volumesOf.name });
    const fileSecrets = Object.entries(spec.fileSecrets ?? {}).map(([name, value]) => ({
      name,
      target: secretFilePath(name),
      content: value.apply((v) => `${v}\n`),
    }));
    const secretFiles = [...(spec.secretFiles ?? []), ...fileSecrets];
    const env = { ...spec.env, ...Object.fromEntries(fileSecrets.map((f) => [`${f.name}_FILE`, f.target])) };
    const hasSecrets = Object.keys(spec.secretEnv ?? {}).length > 0;
    const hasSecretFiles = secretFiles.length > 0;
    return new docker.Container(
      `${prefix}-${spec.name}`,
      {
        name: spec.name,
        image: this.image(spec.image).imageId,
        command: spec.command,
        envs: renderEnv(env, spec.secretEnv ?? {}),
        ports: spec.ports,
        hostname: spec.hostname,
        user: spec.user,
        uploads: [
          ...(spec.files ?? []).map((file) => ({ file: file.target, content: readShared(file) })),
          ...(spec.generatedFiles ?? []).map((file) => ({ file: file.target, content: file.content })),
          ...secretFiles.map((file) => ({
            file: file.target,
            content: file.content,
            ...('owner' in file ? { owner: file.owner, permissions: file.permissions } : {}),
          })),
        ],
        volumes,
        ulimits: spec.ulimits,
        healthcheck: spec.healthcheck,
        // By id: a replaced namespace owner (a new id) replaces this container too.
        networkMode: spec.hostView
          ? 'host'
          : spec.networkOf
            ? pulumi.interpolate`container:${spec.networkOf.id}`
            : undefined,
        networksAdvanced: spec.networkOf || spec.hostView ? undefined : this.networks(spec),
        ...(spec.hostView
          ? {
              pidMode: 'host',
              mounts: [
                {
                  type: 'bind',
                  source: '/',
                  target: spec.hostView.rootfs,
                  readOnly: true,
                  bindOptions: { propagation: 'rslave' },
                },
              ],
            }
          : {}),
        labels: [this.instanceLabel()],
        ...(spec.runOnce
          ? { restart: 'no', mustRun: false, attach: true, logs: true }
          : { restart: 'unless-stopped', mustRun: true }),
      },
      {
        ...opts,
        // Its name and host ports are taken until the old container is gone.
        deleteBeforeReplace: true,
        dependsOn: spec.dependsOn,
        // Belt and braces: the env list is secret through its inputs already; this keeps it so in state
        // even if a future edit builds it from plain strings.
        additionalSecretOutputs: [...(hasSecrets ? ['envs'] : []), ...(hasSecretFiles ? ['uploads'] : [])],
      },
    );
  }
}

/** Where a `NAME_FILE` secret is uploaded: Docker's and compose's conventional secrets directory. */
export function secretFilePath(name: string): string {
  return `/run/secrets/${name.toLowerCase().replace(/_/g, '-')}`;
}

/** NAME=value lines, sorted so that a reordering in code is no diff. */
export function renderEnv(
  plain: Record<string, EnvValue>,
  secret: Record<string, pulumi.Output<string>>,
): pulumi.Output<string[]> {
  const entries = [...Object.entries(plain), ...Object.entries(secret)].sort(([a], [b]) =>
    a.localeCompare(b),
  );
  return pulumi.all(entries.map(([name, value]) => pulumi.output(value).apply((v) => `${name}=${v}`)));
}
