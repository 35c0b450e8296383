import type {
  Policies,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
} from '@pulumi/policy';
import { bucketsNotPublic } from './bucket-rules.ts';
import { databaseVolumesOnDataDisks } from './stack-rules.ts';

/** Ports anyone may reach: the app over HTTP(S). Everything else is a database, cache, queue or admin port. */
export const defaultPublicPorts = [80, 443];

/** Ubuntu LTS families from Canonical's own GCP project, by URL or by short name. */
export const defaultApprovedImages = [
  '^(https://www\\.googleapis\\.com/compute/v1/)?projects/ubuntu-os-cloud/global/images/family/ubuntu-\\d{4}-lts(-amd64|-arm64)?$',
  '^ubuntu-os-cloud/ubuntu-\\d{4}-lts(-amd64|-arm64)?$',
];

const worldPrefixBelow = 8;
const secretName = /(PASSWORD|PASSWD|_PASS$|SECRET|TOKEN|PRIVATE_KEY|API_KEY)/i;
const weakValues = new Set([
  '',
  'password',
  'root',
  'guest',
  'admin',
  'secret',
  'changeme',
  '123456',
  'mysql',
]);

interface FirewallProps {
  direction?: string;
  sourceRanges?: string[];
  sourceTags?: string[];
  sourceServiceAccounts?: string[];
  allows?: Array<{ protocol: string; ports?: string[] }>;
}

interface InstanceProps {
  bootDisk?: { source?: string; initializeParams?: { image?: string } };
  metadata?: Record<string, string>;
  metadataStartupScript?: string;
}

interface ContainerProps {
  envs?: string[];
}

/** A range anyone on the internet falls into: 0.0.0.0/0, ::/0, or any IPv4 prefix shorter than /8. */
export function isWorldRange(cidr: string): boolean {
  const [address = '', prefixText = ''] = cidr.split('/');
  const prefix = Number(prefixText);
  if (address.includes(':')) return prefix === 0;
  return Number.isInteger(prefix) && prefix < worldPrefixBelow;
}

/** Which ports of a rule are outside the public set: "all" when it names none (every port). */
export function nonPublicPorts(
  allow: { protocol: string; ports?: string[] },
  publicPorts: number[],
): string[] {
  if (!allow.ports || allow.ports.length === 0) return ['every port'];
  return allow.ports.filter((entry) => {
    const [from, to = from] = entry.split('-').map(Number);
    if (from === undefined || to === undefined || Number.isNaN(from) || Number.isNaN(to)) return true;
    for (let port = from; port <= to; port++) if (!publicPorts.includes(port)) return true;
    return false;
  });
}

interface PackConfig {
  publicPorts?: number[];
  approvedImages?: string[];
}

function packConfig(args: ResourceValidationArgs): Required<PackConfig> {
  const config = args.getConfig<PackConfig>();
  return {
    publicPorts: config.publicPorts ?? defaultPublicPorts,
    approvedImages: config.approvedImages ?? defaultApprovedImages,
  };
}

export const noWorldOpenAdminPorts: ResourceValidationPolicy = {
  name: 'no-world-open-database-or-admin-ports',
  description:
    'Ingress open to the internet (0.0.0.0/0, ::/0, or no source at all, which GCP reads as 0.0.0.0/0) may only reach the public app ports; database, cache, queue, Vitess and SSH ports need limited source ranges.',
  enforcementLevel: 'mandatory',
  configSchema: {
    properties: {
      publicPorts: { type: 'array', items: { type: 'integer' }, default: defaultPublicPorts },
    },
  },
  validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
    if (args.type !== 'gcp:compute/firewall:Firewall') return;
    const props = args.props as FirewallProps;
    if ((props.direction ?? 'INGRESS') !== 'INGRESS') return;
    const ranges = props.sourceRanges ?? [];
    const noSource = ranges.length === 0 && !props.sourceTags?.length && !props.sourceServiceAccounts?.length;
    const world = ranges.filter(isWorldRange);
    if (!noSource && world.length === 0) return;
    const from = noSource ? 'any address (no source given)' : world.join(', ');
    const { publicPorts } = packConfig(args);
    for (const allow of props.allows ?? []) {
      const exposed = nonPublicPorts(allow, publicPorts);
      if (exposed.length > 0) {
        report(
          `${args.name} lets ${from} reach ${allow.protocol} ${exposed.join(', ')}: limit sourceRanges to admin ranges and the stack's own hosts`,
        );
      }
    }
  },
};

export const secretsNotInPlainText: ResourceValidationPolicy = {
  name: 'secrets-not-in-plain-text',
  description:
    'Passwords and keys reach containers only as Pulumi secrets (the env list a secret output) and are never a well-known default; instance metadata carries no private key or password.',
  enforcementLevel: 'mandatory',
  validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
    if (args.type === 'docker:index/container:Container') {
      const props = args.props as ContainerProps;
      const secretEnvs = (props.envs ?? [])
        .map(
          (line) =>
            [line.slice(0, Math.max(0, line.indexOf('='))), line.slice(line.indexOf('=') + 1)] as const,
        )
        .filter(([name]) => secretName.test(name) && !/_(FILE|ENV)$/.test(name));
      for (const [name, value] of secretEnvs) {
        if (weakValues.has(value.toLowerCase()))
          report(`${args.name}: ${name} is empty or a well-known default`);
      }
      if (secretEnvs.length > 0 && !args.opts.additionalSecretOutputs.includes('envs')) {
        const names = secretEnvs.map(([name]) => name).join(', ');
        report(
          `${args.name}: envs carries ${names} but is not a secret output (additionalSecretOutputs: ['envs'])`,
        );
      }
    }
    if (args.type === 'gcp:compute/instance:Instance') {
      const props = args.props as InstanceProps;
      const texts = [
        ...Object.entries(props.metadata ?? {}),
        ['metadataStartupScript', props.metadataStartupScript ?? ''],
      ];
      for (const [key, text] of texts) {
        if (/PRIVATE KEY-----|password\s*[=:]\s*\S/i.test(String(text))) {
          report(
            `${args.name}: metadata ${key} contains a private key or a password, readable by anyone who can read the instance`,
          );
        }
      }
    }
  },
};

export const approvedBootImages: ResourceValidationPolicy = {
  name: 'approved-boot-images',
  description:
    'Instances boot from an approved image family (Ubuntu LTS from ubuntu-os-cloud), never an unknown disk.',
  enforcementLevel: 'mandatory',
  configSchema: {
    properties: {
      approvedImages: { type: 'array', items: { type: 'string' }, default: defaultApprovedImages },
    },
  },
  validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
    if (args.type !== 'gcp:compute/instance:Instance') return;
    const props = args.props as InstanceProps;
    const image = props.bootDisk?.initializeParams?.image;
    if (!image) {
      report(`${args.name}: boot disk has no image (an existing disk of unknown origin)`);
      return;
    }
    const { approvedImages } = packConfig(args);
    if (!approvedImages.some((pattern) => new RegExp(pattern).test(image))) {
      report(`${args.name}: boot image ${image} is not approved (${approvedImages.join(' | ')})`);
    }
  },
};

export const pinnedContainerImages: ResourceValidationPolicy = {
  name: 'pinned-container-images',
  description:
    'Container images name a tag or digest other than latest, so a re-run deploys what was reviewed.',
  enforcementLevel: 'advisory',
  validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
    if (args.type !== 'docker:index/remoteImage:RemoteImage') return;
    const name = String((args.props as { name?: string }).name ?? '');
    const lastPart = name.split('/').pop() ?? '';
    const tag = lastPart.includes('@') ? 'digest' : lastPart.split(':')[1];
    if (!tag || tag === 'latest') report(`${args.name}: image ${name} has no tag or uses latest`);
  },
};

/** Stacks whose images must be digests: a tag can be moved to other bytes after the review. */
export const defaultDigestStacks = ['prod'];
const digestRef = /@sha256:[0-9a-f]{64}$/;

/** The stack a URN names: `urn:pulumi:<stack>::<project>::...`. */
export function stackOfUrn(urn: string): string {
  return urn.split('::')[0]?.split(':')[2] ?? '';
}

export const imagesByDigest: ResourceValidationPolicy = {
  name: 'images-by-digest',
  description:
    'In the stacks named (prod by default), every container image is pinned by digest (@sha256:...), so `up` runs exactly the bytes that were built and reviewed.',
  enforcementLevel: 'mandatory',
  configSchema: {
    properties: {
      digestStacks: { type: 'array', items: { type: 'string' }, default: defaultDigestStacks },
    },
  },
  validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
    if (args.type !== 'docker:index/remoteImage:RemoteImage') return;
    const stacks = args.getConfig<{ digestStacks?: string[] }>().digestStacks ?? defaultDigestStacks;
    const stack = stackOfUrn(args.urn);
    if (!stacks.includes(stack)) return;
    const name = String((args.props as { name?: string }).name ?? '');
    if (!digestRef.test(name))
      report(`${args.name}: image ${name} is not pinned by digest (name@sha256:<64 hex>) in stack ${stack}`);
  },
};

/** `default`, by name or URL (`.../global/networks/default`). */
const isDefaultNetwork = (network: string | undefined) =>
  network !== undefined && /(^|\/)default$/.test(network);

export const noDefaultNetwork: ResourceValidationPolicy = {
  name: 'no-default-network',
  description:
    "Instances and firewall rules live in the stack's own network: the default network's rules (SSH from anywhere, every port internally) would bypass the stack's firewall.",
  enforcementLevel: 'mandatory',
  validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
    if (args.type === 'gcp:compute/instance:Instance') {
      const nics = (args.props as { networkInterfaces?: Array<{ network?: string; subnetwork?: string }> })
        .networkInterfaces;
      for (const nic of nics ?? []) {
        if (isDefaultNetwork(nic.network) || (!nic.network && !nic.subnetwork))
          report(`${args.name}: a network interface on the default network`);
      }
    }
    if (args.type === 'gcp:compute/firewall:Firewall') {
      const network = (args.props as { network?: string }).network;
      if (isDefaultNetwork(network)) report(`${args.name}: a rule on the default network`);
    }
  },
};

export const policies: Policies = [
  noDefaultNetwork,
  noWorldOpenAdminPorts,
  secretsNotInPlainText,
  approvedBootImages,
  pinnedContainerImages,
  imagesByDigest,
  databaseVolumesOnDataDisks,
  bucketsNotPublic,
];
