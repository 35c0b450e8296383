import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as pulumi from '@pulumi/pulumi';
import type { RegisterResourceRequest } from '@pulumi/pulumi/proto/resource_pb.js';
import { specialSecretSig, specialSigKey } from '@pulumi/pulumi/runtime/rpc.js';
import { getMonitor } from '@pulumi/pulumi/runtime/settings.js';
import * as runtimeState from '@pulumi/pulumi/runtime/state.js';
import { vi } from 'vitest';
import { parse } from 'yaml';
import { makeTempDir } from '../../lib/temp-dirs.ts';
import type { StackInventoryOutput } from '../../toolkit/inventory/pulumi-outputs.ts';
import { secretKeys } from '../config.ts';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const projectName = 'highload-social';

/**
 * One value per secret key, easy to spot if it ever leaks into an output or a plain input, and long
 * enough for the app's checks (AUTH_TOKEN_SECRET: at least 32 characters).
 */
export const testSecrets = Object.fromEntries(
  secretKeys.map((key) => [key, `s3cr3t-${key}-5b1e-7f3a-90c2-d84e`]),
);

export const mockAccessToken = 'ya29.mock-access-token-5b1e7f3a';

export interface MockedResource {
  /** As the engine names it: `urn:pulumi:<stack>::<project>::<parent types $ ...>$<type>::<name>`. */
  urn: string;
  type: string;
  name: string;
  /** Inputs as the engine receives them; a secret is `{[specialSigKey]: specialSecretSig, value}`. */
  inputs: Record<string, unknown>;
  /** What the mocked provider answered: the inputs plus what it computed (an address's `address`). */
  state?: Record<string, unknown>;
  /** The options the engine (and so the policy analyzer) receives with the registration. */
  options: {
    additionalSecretOutputs: string[];
    protect: boolean;
    dependencies: string[];
    deleteBeforeReplace: boolean;
    /** The URN of the parent resource; '' for a resource of the stack itself. */
    parent: string;
    /** Earlier URNs of this resource, computed by the SDK from its `aliases` option. */
    aliases: string[];
  };
}

export interface StackRun {
  resources: MockedResource[];
  outputs: { inventory: StackInventoryOutput; hosts: Record<string, string> };
  /** The plain text `pulumi up` prints for the operator afterwards. */
  handOver: string;
  secretOutputs: { inventory: boolean; hosts: boolean };
  /** The HOME the program ran with (a scratch dir): where it wrote the stack's known_hosts. */
  home: string;
  /** The host keys the mocked guest agent published, by instance name: what a test expects pinned. */
  hostKeys: Map<string, Array<{ type: string; key: string }>>;
}

/** What the mocked guest agent of an instance publishes: keys that follow from the instance's id. */
export function mockHostKeys(instanceId: string): Array<{ type: string; key: string }> {
  const blob = (type: string) => createHash('sha256').update(`${type}:${instanceId}`).digest('base64');
  return ['ecdsa-sha2-nistp256', 'ssh-ed25519', 'ssh-rsa'].map((type) => ({ type, key: blob(type) }));
}

/** The `config:` map of Pulumi.<stack>.yaml, as the CLI hands it to the program. */
export function stackConfigFile(stack: string): Record<string, unknown> {
  const doc = parse(readFileSync(join(repoRoot, `Pulumi.${stack}.yaml`), 'utf8')) as {
    config?: Record<string, unknown>;
  };
  return doc.config ?? {};
}

/**
 * Runs stacks/index.ts as `pulumi up -s <stack>` would, with the engine and the providers mocked:
 * config from Pulumi.<stack>.yaml (plus `overrides`), secrets from testSecrets.
 */
export async function runStack(stack: string, overrides: Record<string, unknown> = {}): Promise<StackRun> {
  const config: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...stackConfigFile(stack), ...overrides })) {
    if (value === undefined) continue;
    config[key] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  for (const [key, value] of Object.entries(testSecrets)) config[`${projectName}:${key}`] = value;
  pulumi.runtime.setAllConfig(
    config,
    secretKeys.map((key) => `${projectName}:${key}`),
  );

  const resources: MockedResource[] = [];
  const options = new Map<string, Registration>();
  const instanceIds = new Map<string, string>();
  const hostKeys = new Map<string, Array<{ type: string; key: string }>>();
  // An address follows from the resource's name, not from registration order: a stack that gains a host
  // keeps the others' addresses, as GCP keeps reserved ones.
  const taken = new Set<number>();
  const addressFor = (name: string): number => {
    let n = 10 + (createHash('sha256').update(name).digest().readUInt16BE(0) % 240);
    while (taken.has(n)) n = n === 249 ? 10 : n + 1;
    taken.add(n);
    return n;
  };
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        const state: Record<string, unknown> = { ...args.inputs };
        if (args.type === 'gcp:compute/address:Address') {
          const prefix = args.inputs.addressType === 'INTERNAL' ? '10.10.0' : '192.0.2';
          state.address = `${prefix}.${addressFor(args.name)}`;
        }
        // As in GCP, a new instance (here: another boot image, which replaces it) gets a new id.
        if (args.type === 'gcp:compute/instance:Instance') {
          state.instanceId = instanceId(args.name, args.inputs);
          instanceIds.set(String(args.inputs.name), String(state.instanceId));
        }
        if (args.type.startsWith('gcp:') && typeof args.inputs.name === 'string')
          state.selfLink = `https://www.googleapis.com/compute/v1/projects/mock/${args.type.split(':')[2]}/${args.inputs.name}`;
        if (args.type === 'docker:index/remoteImage:RemoteImage') state.imageId = `sha256:${args.name}`;
        const registered = options.get(`${args.type}::${args.name}`);
        resources.push({
          urn: registered?.urn ?? '',
          type: args.type,
          name: args.name,
          inputs: args.inputs as Record<string, unknown>,
          state,
          options: registered?.options ?? {
            additionalSecretOutputs: [],
            protect: false,
            dependencies: [],
            deleteBeforeReplace: false,
            parent: '',
            aliases: [],
          },
        });
        return { id: `${args.name}-id`, state };
      },
      // The credentials' own access token, as GCP would hand it out: what the Docker providers log in with.
      // The guest agent's host keys: those of the instance that now has that name.
      call: (args) => {
        if (args.token === 'gcp:organizations/getClientConfig:getClientConfig')
          return { accessToken: mockAccessToken, project: 'mock', region: '', zone: '' };
        if (args.token === 'gcp:compute/getInstanceGuestAttributes:getInstanceGuestAttributes') {
          const name = String(args.inputs.name);
          const id = instanceIds.get(name);
          const keys = id ? mockHostKeys(id) : [];
          if (id) hostKeys.set(name, keys);
          return {
            ...args.inputs,
            queryValues: keys.map((k) => ({ namespace: 'hostkeys', key: k.type, value: k.key })),
          };
        }
        return args.inputs;
      },
    },
    projectName,
    stack,
    false,
  );
  // The SDK then turns `aliases` into URNs itself (its allAliases, the code older engines rely on), so
  // a test can compare them with URNs recorded earlier; the mock monitor would pass alias specs on as they are.
  // getStore is internal to the SDK, so its declarations leave it out.
  (runtimeState as unknown as { getStore(): { supportsAliasSpecs: boolean } }).getStore().supportsAliasSpecs =
    false;
  captureOptions(options);

  // The program writes the stack's known_hosts under HOME: a scratch one, never the user's ~/.ssh.
  const home = makeTempDir('stack-home-');
  const realHome = process.env.HOME;
  process.env.HOME = home;
  try {
    vi.resetModules();
    const program = (await import('../index.ts')) as {
      inventory: pulumi.Output<StackInventoryOutput>;
      hosts: pulumi.Output<Record<string, string>>;
      handOver: string;
    };
    const [inventory, hosts, inventorySecret, hostsSecret] = await Promise.all([
      resolvedValue(program.inventory),
      resolvedValue(program.hosts),
      pulumi.isSecret(program.inventory),
      pulumi.isSecret(program.hosts),
    ]);
    // Waits for every registration still in flight (containers are registered inside applies).
    await pulumi.runtime.disconnect();
    return {
      home,
      hostKeys,
      resources,
      outputs: { inventory, hosts },
      handOver: program.handOver,
      secretOutputs: { inventory: inventorySecret, hosts: hostsSecret },
    };
  } finally {
    process.env.HOME = realHome;
  }
}

interface Registration {
  urn: string;
  options: MockedResource['options'];
}

/**
 * The mock monitor hands mocks only type, name and inputs; the options are read off the request. Its URNs
 * keep only the parent's last type, the engine's the whole chain (`A$B$C`): the engine's rule is used.
 */
function captureOptions(into: Map<string, Registration>): void {
  const monitor = getMonitor() as unknown as {
    registerResource: (req: RegisterResourceRequest, callback: (...args: unknown[]) => void) => void;
    newUrn: (parent: string, type: string, name: string) => string;
  };
  monitor.newUrn = engineUrn;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    into.set(`${req.getType()}::${req.getName()}`, {
      urn: engineUrn(req.getParent(), req.getType(), req.getName()),
      options: {
        additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
        protect: req.getProtect() ?? false,
        dependencies: req.getDependenciesList(),
        deleteBeforeReplace: req.getDeletebeforereplace(),
        parent: req.getParent(),
        aliases: req.getAliasurnsList(),
      },
    });
    register(req, callback);
  };
}

function instanceId(name: string, inputs: Record<string, unknown>): string {
  const boot = inputs.bootDisk as { initializeParams?: { image?: string } } | undefined;
  const image = boot?.initializeParams?.image ?? '';
  return `${name}-${createHash('sha256').update(image).digest('hex').slice(0, 8)}`;
}

function engineUrn(parent: string, type: string, name: string): string {
  const parentType = parent.split('::')[2];
  const qualified = parentType && parentType !== 'pulumi:pulumi:Stack' ? `${parentType}$${type}` : type;
  return `urn:pulumi:${pulumi.getStack()}::${pulumi.getProject()}::${qualified}::${name}`;
}

export function resolvedValue<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((v) => resolve(v)));
}

export function isSecretValue(value: unknown): value is { value: unknown } {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<string, unknown>)[specialSigKey] === specialSecretSig
  );
}

/** Inputs with secret wrappers replaced by their values: what a policy sees. */
export function unwrapSecrets(value: unknown): unknown {
  if (isSecretValue(value)) return unwrapSecrets(value.value);
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v)]));
  }
  return value;
}

/** Inputs with every secret replaced by a marker: what may appear in previews and plain state. */
export function withoutSecrets(value: unknown): unknown {
  if (isSecretValue(value)) return '[secret]';
  if (Array.isArray(value)) return value.map(withoutSecrets);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutSecrets(v)]));
  }
  return value;
}

/** The resources of one type by name: registration order follows whichever inputs resolve first. */
export function resourcesOf(run: StackRun, type: string): MockedResource[] {
  return run.resources.filter((r) => r.type === type).sort((a, b) => a.name.localeCompare(b.name));
}
