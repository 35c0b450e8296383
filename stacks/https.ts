import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import type { StackSettings } from './config.ts';
import type { Host } from './hosts.ts';

/**
 * Where Google's load balancers and health checks come from: the only sources of the app port behind
 * HTTPS; nginx's shared config (toolkit/nginx) takes the client from X-Forwarded-For on their connections.
 */
export { googleFrontEndRanges } from '../toolkit/nginx/config.ts';

/**
 * HTTPS in front of the app (`https.domain` set): a global external Application Load Balancer with a
 * Google-managed certificate for the domain, port 80 redirecting to 443, the app host as its backend,
 * checked on the app's /health. The certificate turns ACTIVE once the domain's DNS A record points at
 * the `httpsAddress` output.
 */
export class HttpsFrontend extends pulumi.ComponentResource {
  static readonly type = 'social:infra:HttpsFrontend';
  readonly address: pulumi.Output<string>;

  constructor(
    stack: string,
    settings: StackSettings,
    app: Host,
    domain: string,
    opts: pulumi.ComponentResourceOptions = {},
  ) {
    const name = `${stack}-https`;
    super(HttpsFrontend.type, name, {}, opts);
    const parent = { parent: this };
    const address = new gcp.compute.GlobalAddress(name, { name }, parent);
    const certificate = new gcp.compute.ManagedSslCertificate(
      name,
      { name, managed: { domains: [domain] } },
      parent,
    );
    const group = new gcp.compute.InstanceGroup(
      `${stack}-app`,
      {
        name: `${stack}-app`,
        zone: settings.zone,
        instances: [app.instance.selfLink],
        namedPorts: [{ name: 'http', port: settings.appPort }],
      },
      parent,
    );
    const health = new gcp.compute.HealthCheck(
      `${stack}-app`,
      { name: `${stack}-app`, httpHealthCheck: { port: settings.appPort, requestPath: '/health' } },
      parent,
    );
    const backend = new gcp.compute.BackendService(
      `${stack}-app`,
      {
        name: `${stack}-app`,
        protocol: 'HTTP',
        portName: 'http',
        loadBalancingScheme: 'EXTERNAL_MANAGED',
        healthChecks: health.id,
        backends: [{ group: group.id }],
      },
      parent,
    );
    const urlMap = new gcp.compute.URLMap(name, { name, defaultService: backend.id }, parent);
    const proxy = new gcp.compute.TargetHttpsProxy(
      name,
      { name, urlMap: urlMap.id, sslCertificates: [certificate.id] },
      parent,
    );
    new gcp.compute.GlobalForwardingRule(
      name,
      {
        name,
        target: proxy.id,
        ipAddress: address.address,
        portRange: '443',
        loadBalancingScheme: 'EXTERNAL_MANAGED',
      },
      parent,
    );
    // Plain HTTP on the same address answers with a redirect to HTTPS, never with the app.
    const redirect = new gcp.compute.URLMap(
      `${stack}-http-redirect`,
      { name: `${stack}-http-redirect`, defaultUrlRedirect: { httpsRedirect: true, stripQuery: false } },
      parent,
    );
    const httpProxy = new gcp.compute.TargetHttpProxy(
      `${stack}-http-redirect`,
      { name: `${stack}-http-redirect`, urlMap: redirect.id },
      parent,
    );
    new gcp.compute.GlobalForwardingRule(
      `${stack}-http-redirect`,
      {
        name: `${stack}-http-redirect`,
        target: httpProxy.id,
        ipAddress: address.address,
        portRange: '80',
        loadBalancingScheme: 'EXTERNAL_MANAGED',
      },
      parent,
    );
    this.address = address.address;
    this.registerOutputs({ address: this.address });
  }
}
