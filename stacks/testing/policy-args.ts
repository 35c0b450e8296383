import type {
  PolicyResource,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from '@pulumi/policy';
import { type MockedResource, projectName, type StackRun, unwrapSecrets } from './run-stack.ts';

/** What the analyzer hands a resource policy for a mocked registration: secrets unwrapped, options as sent. */
export function policyArgs(resource: MockedResource, config: object = {}): ResourceValidationArgs {
  return {
    type: resource.type,
    name: resource.name,
    // The engine's URN (it names the stack, which some policies read), made up for hand-built resources.
    urn: resource.urn || `urn:pulumi:test::${projectName}::${resource.type}::${resource.name}`,
    props: unwrapSecrets(resource.inputs) as Record<string, unknown>,
    opts: {
      protect: resource.options.protect,
      ignoreChanges: [],
      aliases: [],
      customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
      additionalSecretOutputs: resource.options.additionalSecretOutputs,
    },
    stackTags: new Map(),
    isType: () => false,
    asType: () => undefined,
    getConfig: <T extends object>() => config as T,
    notApplicable: (reason?: string): never => {
      throw new Error(`not applicable: ${reason ?? ''}`);
    },
  };
}

/** The violations one policy reports for one resource. */
export async function violations(
  policy: ResourceValidationPolicy,
  resource: MockedResource,
): Promise<string[]> {
  const found: string[] = [];
  const validate = policy.validateResource;
  const validators = Array.isArray(validate) ? validate : validate ? [validate] : [];
  for (const check of validators) await check(policyArgs(resource), (message) => found.push(message));
  return found;
}

/** What the analyzer hands a stack policy: every resource, secrets unwrapped, parents linked by URN. */
export function stackResources(resources: MockedResource[]): PolicyResource[] {
  const byUrn = new Map<string, PolicyResource>();
  for (const resource of resources) {
    const args = policyArgs(resource);
    byUrn.set(resource.urn, {
      type: resource.type,
      name: resource.name,
      urn: resource.urn,
      props: args.props,
      opts: { ...args.opts, parent: resource.options.parent || undefined },
      dependencies: [],
      propertyDependencies: {},
      isType: () => false,
      asType: () => undefined,
    });
  }
  for (const resource of resources) {
    const policyResource = byUrn.get(resource.urn)!;
    policyResource.parent = byUrn.get(resource.options.parent);
    policyResource.dependencies = resource.options.dependencies
      .map((urn) => byUrn.get(urn))
      .filter((r): r is PolicyResource => r !== undefined);
  }
  return [...byUrn.values()];
}

/** The violations one stack policy reports for a whole mocked stack. */
export async function stackViolations(
  policy: StackValidationPolicy,
  run: Pick<StackRun, 'resources'>,
  config: object = {},
): Promise<string[]> {
  const found: string[] = [];
  await policy.validateStack(
    {
      resources: stackResources(run.resources),
      stackTags: new Map(),
      getConfig: <T extends object>() => config as T,
      notApplicable: (reason?: string): never => {
        throw new Error(`not applicable: ${reason ?? ''}`);
      },
    },
    (message) => found.push(message),
  );
  return found;
}
