import type {
  PolicyResource,
  ReportViolation,
  StackValidationArgs,
  StackValidationPolicy,
} from '@pulumi/policy';
import { dockerVolumesDir } from '../cloud-init.ts';

const types = {
  instance: 'gcp:compute/instance:Instance',
  volume: 'docker:index/volume:Volume',
};

interface InstanceProps {
  attachedDisks?: Array<{ source?: string }>;
  metadata?: Record<string, string>;
}

/** The instance that shares a parent (the host component) with `resource`. */
function instanceBeside(resource: PolicyResource, resources: PolicyResource[]): PolicyResource | undefined {
  const parent = resource.parent?.urn;
  if (!parent) return undefined;
  return resources.find((r) => r.type === types.instance && r.parent?.urn === parent);
}

export const databaseVolumesOnDataDisks: StackValidationPolicy = {
  name: 'database-volumes-on-data-disks',
  description:
    "Docker volumes (database data) live on a persistent disk of their own, mounted where Docker keeps volumes, never on an instance's boot disk, which goes with the instance.",
  enforcementLevel: 'mandatory',
  validateStack: (args: StackValidationArgs, report: ReportViolation) => {
    for (const volume of args.resources.filter((r) => r.type === types.volume)) {
      const instance = instanceBeside(volume, args.resources);
      if (!instance) {
        report(
          `${volume.name}: not part of a host component, so nothing shows its data is off the boot disk`,
        );
        continue;
      }
      const props = instance.props as InstanceProps;
      const userData = props.metadata?.['user-data'] ?? '';
      if (!props.attachedDisks?.length || !userData.includes(`RequiresMountsFor=${dockerVolumesDir}`)) {
        report(
          `${volume.name}: its host ${instance.name} has no data disk mounted at ${dockerVolumesDir}, so the volume sits on the boot disk`,
        );
      }
    }
  },
};
