import type { ResourceValidationArgs, ResourceValidationPolicy } from '@pulumi/policy';
import { type MockedResource, projectName, unwrapSecrets } from './run-stack.ts';

/** What the analyzer hands a resource policy for a mocked registration: secrets unwrapped, options as sent. */
export function policyArgs(resource: MockedResource, config: object = {}): ResourceValidationArgs {
  return {
    type: resource.type,
    name: resource.name,
    urn: `urn:pulumi:test::${projectName}::${resource.type}::${resource.name}`,
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
