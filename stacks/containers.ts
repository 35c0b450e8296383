import * as docker from '@pulumi/docker';
import * as pulumi from '@pulumi/pulumi';
import type { Host } from './hosts.ts';
import { readShared, type SharedFile } from './shared-files.ts';

export type EnvValue = pulumi.Input<string | number>;

export interface ServiceSpec {
  /** Container name on the host, as in compose (db, redis, ...): containers find each other by it. */
  name: string;
  image: string;
  command?: string[];
  /** Plain settings, visible in previews and state. */
  env?: Record<string, EnvValue>;
  /** Values taken from `pulumi config --secret`: the whole env list becomes a secret output. */
  secretEnv?: Record<string, pulumi.Output<string>>;
  ports?: Array<{ internal: number; external: number }>;
  files?: SharedFile[];
  /** Container paths that keep data across container replacement, in a named volume each. */
  dataPaths?: string[];
  hostname?: string;
  ulimits?: Array<{ name: string; soft: number; hard: number }>;
  /** Overrides the image's HEALTHCHECK; `['NONE']` turns it off. */
  healthcheck?: { tests: string[] };
  dependsOn?: pulumi.Resource[];
}

/** The containers of one host on a private network, with images pulled once per host. */
export class HostContainers {
  private readonly network: docker.Network;
  private readonly images = new Map<string, docker.RemoteImage>();

  constructor(
    private readonly host: Host,
    private readonly prefix: string,
    private readonly protectData: boolean,
  ) {
    this.network = new docker.Network(
      `${prefix}-net`,
      { name: 'highload-social', driver: 'bridge' },
      { provider: host.docker },
    );
  }

  private image(name: string): docker.RemoteImage {
    let image = this.images.get(name);
    if (!image) {
      const key = name.replace(/[^a-z0-9]+/g, '-').replace(/-+$/, '');
      image = new docker.RemoteImage(
        `${this.prefix}-image-${key}`,
        { name, keepLocally: true },
        { provider: this.host.docker },
      );
      this.images.set(name, image);
    }
    return image;
  }

  add(spec: ServiceSpec): docker.Container {
    const opts = { provider: this.host.docker };
    const volumes = (spec.dataPaths ?? []).map((containerPath, i) => {
      const key = i === 0 ? 'data' : `data-${i + 1}`;
      const volume = new docker.Volume(
        `${this.prefix}-${spec.name}-${key}`,
        { name: `${spec.name}-${key}` },
        { ...opts, protect: this.protectData, retainOnDelete: this.protectData },
      );
      return { volumeName: volume.name, containerPath };
    });
    const hasSecrets = Object.keys(spec.secretEnv ?? {}).length > 0;
    return new docker.Container(
      `${this.prefix}-${spec.name}`,
      {
        name: spec.name,
        image: this.image(spec.image).imageId,
        command: spec.command,
        envs: renderEnv(spec.env ?? {}, spec.secretEnv ?? {}),
        ports: spec.ports,
        hostname: spec.hostname,
        uploads: (spec.files ?? []).map((file) => ({ file: file.target, content: readShared(file) })),
        volumes,
        ulimits: spec.ulimits,
        healthcheck: spec.healthcheck,
        networksAdvanced: [{ name: this.network.name, aliases: [spec.name] }],
        restart: 'unless-stopped',
        mustRun: true,
      },
      {
        ...opts,
        dependsOn: spec.dependsOn,
        // Belt and braces: the env list is secret through its inputs already; this keeps it so in state
        // even if a future edit builds it from plain strings.
        additionalSecretOutputs: hasSecrets ? ['envs'] : [],
      },
    );
  }
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
