import * as gcp from '@pulumi/gcp';
import type * as pulumi from '@pulumi/pulumi';
import type { StackSettings } from './config.ts';

export interface StackNetwork {
  /** The Google APIs the stack needs, enabled by the stack itself; everything else waits for them. */
  apis: pulumi.Resource[];
  network: gcp.compute.Network;
  subnetwork: gcp.compute.Subnetwork;
}

/** The APIs a stack calls: Compute for everything it creates, Artifact Registry for the app image. */
export const requiredApis = ['compute.googleapis.com', 'artifactregistry.googleapis.com'];

/**
 * The stack's own VPC: no `default` network, whose rules (`default-allow-ssh` from anywhere,
 * `default-allow-internal` to every port) would bypass the stack's firewall, and which many organisations
 * do not have. One subnetwork in the stack's region, hosts on internal addresses in it.
 */
export function createNetwork(stack: string, settings: StackSettings): StackNetwork {
  const apis = requiredApis.map(
    (service) =>
      new gcp.projects.Service(`${stack}-${service.split('.')[0]}-api`, {
        project: settings.project,
        service,
        // Turning an API off on destroy would break whatever else the project runs.
        disableOnDestroy: false,
        disableDependentServices: false,
      }),
  );
  const network = new gcp.compute.Network(
    `${stack}-net`,
    {
      name: `${stack}-net`,
      description: `highload-social ${stack}: the stack's own network`,
      autoCreateSubnetworks: false,
      routingMode: 'REGIONAL',
    },
    { dependsOn: apis },
  );
  const subnetwork = new gcp.compute.Subnetwork(`${stack}-subnet`, {
    name: `${stack}-subnet`,
    region: settings.region,
    network: network.id,
    ipCidrRange: settings.subnetCidr,
    privateIpGoogleAccess: true,
  });
  return { apis, network, subnetwork };
}
