import * as pulumi from '@pulumi/pulumi';
import type { StackInventoryOutput } from '../toolkit/inventory/pulumi-outputs.ts';
import { createBackupBucket } from './backup-bucket.ts';
import type { StackSettings } from './config.ts';
import { createSnapshotPolicy } from './data-disk.ts';
import { createFirewall } from './firewall.ts';
import { StackKnownHosts } from './host-keys.ts';
import { Host, type HostContext } from './hosts.ts';
import { HttpsFrontend } from './https.ts';
import { deployMonitoring, type MonitoringOutputs } from './monitoring.ts';
import { placeMaster } from './mysql-master.ts';
import { createNetwork } from './network.ts';
import { createImageRegistry } from './registry.ts';
import { deployAppHost, deploySlaveHost, type Secrets } from './services.ts';
import { planTopology, ports } from './topology.ts';

export interface StackOutputs {
  /** What `openInventory(env)` reads for an environment with `pulumi: {stack}`; no secret in it. */
  inventory: pulumi.Output<StackInventoryOutput>;
  /** Host name → static address, for SSH and for people. */
  hosts: pulumi.Output<Record<string, string>>;
  /**
   * What `pulumi up` leaves to the runbooks, printed after every `up`: the slaves start empty (HAProxy
   * reads from the master until they replicate), the replication runbook seeds and attaches them.
   */
  handOver: string;
  /** Where the image workflow pushes the app image (`<region>-docker.pkg.dev/<project>/images`). */
  imageRepository: pulumi.Output<string>;
  /** The load balancer's address (`https.domain` set): the domain's DNS A record points here. */
  httpsAddress?: pulumi.Output<string>;
  /** gs:// URL of the backups bucket (docs/backup.md: how backups and the binlog archive get there). */
  backupBucket: pulumi.Output<string>;
  /** Prometheus's and Grafana's URLs, open to adminSourceRanges (docs/observability.md: or an SSH tunnel). */
  monitoring: MonitoringOutputs;
}

/** The whole environment: hosts, firewall, containers; returns the outputs the runbooks read. */
export function defineStack(stack: string, settings: StackSettings, secrets: Secrets): StackOutputs {
  const topology = planTopology(settings);
  const network = createNetwork(stack, settings);
  const ctx: HostContext = {
    stack,
    settings,
    stackTag: `hs-${stack}`,
    snapshotPolicy: createSnapshotPolicy(stack, settings, network.apis),
    network,
    registry: createImageRegistry(stack, settings, network.apis),
    knownHosts: new StackKnownHosts(stack),
  };
  // A host that keeps data (every one but Vitess's) is protected as a whole when the stack says so.
  const hosts = new Map<string, Host>(
    topology.hosts.map((plan) => [
      plan.key,
      new Host(ctx, plan, { protect: settings.protectData && plan.keepsData }),
    ]),
  );
  const host = (key: string): Host => {
    const found = hosts.get(key);
    if (!found) throw new Error(`topology names host ${key} but does not plan it`);
    return found;
  };
  createFirewall({ ctx, mysqlPorts: topology.mysqlPorts });
  const backups = createBackupBucket(stack, settings, { dependsOn: network.apis });

  // HAProxy on the app host reaches the slaves inside the stack's network.
  const slaveAddresses = topology.slaves.map((s) => ({
    name: s.name,
    host: host(s.hostKey).internalAddress,
    port: s.port,
  }));
  deployAppHost(stack, settings, host('app'), secrets, slaveAddresses);
  for (const plan of topology.hosts.filter((h) => h.role === 'slave')) {
    deploySlaveHost(
      settings,
      host(plan.key),
      secrets,
      topology.slaves.filter((s) => s.hostKey === plan.key),
    );
  }

  const monitoring = deployMonitoring({ stack, settings, secrets, topology, host });

  const https = settings.https
    ? new HttpsFrontend(stack, settings, host('app'), settings.https.domain)
    : undefined;
  const app = host('app').address;
  const vitess = settings.vitess ? host('vitess').address : undefined;
  const slaveHosts = topology.slaves.map((s) => host(s.hostKey).address);
  const internal = [host('app'), ...topology.slaves.map((s) => host(s.hostKey))].map(
    (h) => h.internalAddress,
  );
  const inventory = pulumi
    .all([app, pulumi.all(slaveHosts), pulumi.output(vitess), pulumi.all(internal)])
    .apply(([appIp, slaveIps, vitessIp, [appInternal, ...slavesInternal]]): StackInventoryOutput => {
      const out: StackInventoryOutput = {
        // Runbooks connect to `host` from the admin range; replication runs on the internal addresses.
        mysql: placeMaster(
          { name: 'db', host: appIp, port: ports.mysqlMaster, replicationHost: appInternal! },
          topology.slaves.map((s, i) => ({
            name: s.name,
            host: slaveIps[i]!,
            port: s.port,
            replicationHost: slavesInternal[i]!,
          })),
          settings.mysqlMaster,
        ),
        tarantool: { host: appIp, port: ports.tarantool },
        clickhouse: { host: appIp, httpPort: ports.clickhouseHttp },
        app: {
          url: settings.https
            ? `https://${settings.https.domain}`
            : settings.appPort === 80
              ? `http://${appIp}`
              : `http://${appIp}:${settings.appPort}`,
        },
        redis: { host: appIp, port: ports.redis },
        rabbitmq: { host: appIp, port: ports.rabbitmq },
      };
      if (vitessIp) {
        out.vtctld = { host: vitessIp, grpcPort: ports.vtctldGrpc, webPort: ports.vtctldWeb };
        out.vtgate = { host: vitessIp, mysqlPort: ports.vtgateMysql };
      }
      return out;
    });
  const hostAddresses = pulumi
    .all([...hosts.entries()].map(([key, h]) => h.address.apply((ip) => [key, ip] as const)))
    .apply((pairs) => Object.fromEntries(pairs));
  const handOver =
    `Slaves ${topology.slaves.map((s) => s.name).join(', ')} start empty; until they replicate, HAProxy's ` +
    `reader sends reads to the master. Seed and attach them from inside adminSourceRanges: ` +
    `npx zx scripts/replication.mjs --env ${stack} (idempotent: after every up that adds or replaces a slave), ` +
    `then npx zx scripts/semisync.mjs --env ${stack}.`;
  return {
    inventory,
    hosts: hostAddresses,
    httpsAddress: https?.address,
    handOver,
    imageRepository: ctx.registry.repository,
    backupBucket: backups.url,
    monitoring,
  };
}
